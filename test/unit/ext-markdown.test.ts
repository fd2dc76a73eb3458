// Hover and tooltip markdown shows workspace data (vocabulary pieces from prompt-tuner.json, paths,
// labels, model and run names) as text: rendered by markdown-it (CommonMark with GFM tables, as VS
// Code's hovers are), hostile data makes no link, image, HTML, extra paragraph or extra table row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { mdCode, mdText, visible } from '../../src/extension/markdown';
import { hoverMarkdown, HOVER_TOP } from '../../src/extension/inspect/insight-text';
import { promptTooltip, runTooltip } from '../../src/extension/views/format';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { Rng } from '../../src/core/rng';
import type { PromptTokenInsight } from '../../src/worker/protocol';

const md = new MarkdownIt();
const HOSTILE = [
  'x`\n\n[click](https://evil.example/a) ![img](https://evil.example/i.png)',
  '<img src="https://evil.example/i.png"> <a href="x">a</a>',
  '| 9 | `fake` | 1.0 | 1 |\n| 10 |',
  '``` fenced',
  '*bold* _em_ # heading\r\n> quote\u2028- item\u0007',
  '[ref]: https://evil.example "title"',
  '&lt;entity&#32;\\`\\',
  '$(zap) https://evil.example/autolink <https://evil.example>',
];

function unescapeHtml(html: string): string {
  return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

function assertInert(html: string, what: string): void {
  assert.doesNotMatch(html, /<a |<img|<script|<h\d|<blockquote|<ul|<li|<em>|<pre/, `${what}: markup from data in ${html}`);
}

test('escaped text and code spans render as exactly the text (line breaks and control characters shown as escapes)', () => {
  const rng = new Rng(7);
  const alphabet = '\\`*_{}[]()#+-.!|<>~&:;"\'$@=%^?/ \n\r\tab1\u0000\u2028';
  const samples = [...HOSTILE, ''];
  for (let i = 0; i < 2000; i++) samples.push(Array.from({ length: 1 + rng.int(12) }, () => alphabet[rng.int(alphabet.length)]).join(''));
  for (const s of samples) {
    const text = md.renderInline(mdText(s));
    assertInert(text, JSON.stringify(s));
    assert.equal(unescapeHtml(text), visible(s), `mdText(${JSON.stringify(s)})`);
    if (s.trim() === '') continue; // a code span of blanks only is shown as blanks, which is fine
    const code = md.renderInline(mdCode(s));
    const m = /^<code>([\s\S]*)<\/code>$/.exec(code);
    assert.ok(m, `mdCode(${JSON.stringify(s)}) is one code span: ${code}`);
    assert.equal(unescapeHtml(m[1]!), visible(s), `mdCode(${JSON.stringify(s)})`);
  }
});

test('a hover whose pieces come from a hostile prompt-tuner.json keeps its table and shows the pieces as text', () => {
  const insight: PromptTokenInsight = {
    index: 3,
    nearest: Array.from({ length: HOVER_TOP }, (_, i) => ({ id: i, piece: HOSTILE[i % HOSTILE.length]!, cosine: 0.5 })),
    norm: 1,
    vocabMeanNorm: 1,
    initPiece: HOSTILE[0],
    drift: 0,
    isLabel: false,
  };
  const html = md.render(hoverMarkdown(insight));
  assertInert(html, 'hover');
  assert.equal((html.match(/<tr>/g) ?? []).length, HOVER_TOP + 1, 'the header and one row per neighbour');
  const cells = [...html.matchAll(/<tr>\s*<td[^>]*>\d+<\/td>\s*<td[^>]*><code>([\s\S]*?)<\/code><\/td>/g)].map((m) => unescapeHtml(m[1]!));
  assert.deepEqual(cells, insight.nearest.map((n) => visible(n.piece)));
  assert.equal((html.match(/<p>/g) ?? []).length, 2, 'the title and the norm/init/drift paragraph');
});

test('run and prompt tooltips show hostile names, paths, labels and messages as text', () => {
  const request = resolveRunSettings({ model: HOSTILE[1]!, train: `/w/${HOSTILE[0]}.jsonl`, out: `/w/${HOSTILE[2]}` });
  const run = md.render(runTooltip({ id: 'r', name: HOSTILE[4]!, status: 'failed', request, step: 0, totalSteps: 10, message: HOSTILE[5] }));
  assertInert(run, 'run tooltip');
  assert.ok(unescapeHtml(run).includes(visible(HOSTILE[1]!)));
  assert.ok(unescapeHtml(run).includes(visible(HOSTILE[5]!)));
  const prompt = md.render(
    promptTooltip({ dir: `/w/${HOSTILE[3]}`, name: HOSTILE[0]!, source: 'prompt-tuner', model: HOSTILE[7]!, promptLength: 20, labels: [HOSTILE[1]!, HOSTILE[2]!] }),
  );
  assertInert(prompt, 'prompt tooltip');
  assert.ok(unescapeHtml(prompt).includes(visible(HOSTILE[2]!)));
  assert.equal((prompt.match(/<p>/g) ?? []).length, 2, 'the name, then the details: no paragraph from data');
});
