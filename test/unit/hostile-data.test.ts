// Hostile data files, texts and label sets (issue 11 §1, §3): a data file that is a device or a
// pipe, larger than the stated limit, or with a line too long to tokenize; a label set too large or
// too long to rank; a prompt longer than the input budget. Each must end quickly in an error that
// names the file, line or setting and says what to do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadT5, selectBackend } from '../../src/core';
import { T5Tokenizer } from '../../src/core/tokenizer';
import { MAX_TEXT_CHARS } from '../../src/core/tokenizer/limits';
import { DataError, DataSpecError, loadExamples } from '../../src/core/training/data/dataset';
import { MAX_DATA_FILE_BYTES } from '../../src/core/training/data/limits';
import { MAX_RANK_LABELS, rankCandidates } from '../../src/core/training/data/labels';
import { encodeExamples } from '../../src/core/training/encode';
import { evaluate } from '../../src/core/training/evaluate';
import { tryPrompts } from '../../src/core/playground';
import { modelIdentity, savePrompt, softPrompt } from '../../src/core/prompt';
import { SKIP_NO_SHARED } from '../support/shared';
import { SPIECE_MODEL, tinyModelDir } from '../support/tiny-model';

const dir = mkdtempSync(join(tmpdir(), 'pt-hostile-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await selectBackend('cpu');
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function refusedData(fn: () => unknown, path: string, pattern: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof DataError, `${err.constructor.name}: ${err.message}`);
    assert.ok(err.message.startsWith(path), err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a data file that is a link to /dev/zero, or a named pipe, is refused at once (once: read forever)', { skip: process.platform === 'win32', timeout: 10_000 }, () => {
  const zero = join(dir, 'zero.jsonl');
  symlinkSync('/dev/zero', zero);
  refusedData(() => loadExamples(zero, {}), zero, /this is a device, not a regular file\. Give the path of a \.jsonl/);
  const pipe = join(dir, 'pipe.csv');
  execFileSync('mkfifo', [pipe]);
  refusedData(() => loadExamples(pipe, {}), pipe, /this is a named pipe, not a regular file/);
});

test('a data file above the stated size is refused before it is read', () => {
  const big = join(dir, 'big.jsonl');
  writeFileSync(big, '');
  truncateSync(big, MAX_DATA_FILE_BYTES + 1); // sparse: takes no disk
  const before = process.memoryUsage().arrayBuffers;
  refusedData(() => loadExamples(big, {}), big, /the file is 256 MiB, more than the 256 MiB a data file may have\. Prompt tuning needs thousands of examples/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'nothing was read');
});

test('a line longer than a text may be is refused naming the line, or skipped with skipInvalid (once: "Aborted()" in SentencePiece)', () => {
  const long = 'x'.repeat(MAX_TEXT_CHARS + 1);
  const jsonl = file('long.jsonl', [JSON.stringify({ text: 'a', label: 'yes' }), JSON.stringify({ text: 'b', label: 'no' }), JSON.stringify({ text: long, label: 'yes' })].join('\n'));
  refusedData(() => loadExamples(jsonl, {}), jsonl, /, line 3: the line has 1,000,0\d\d characters, more than the 1,000,000 a line may have\. Shorten it/);
  const skipped = loadExamples(jsonl, { skipInvalid: true });
  assert.equal(skipped.examples.length, 2);
  assert.deepEqual(skipped.skipped.map((s) => s.line), [3]);
  // A quoted CSV field may span lines: the record is named by the line it starts on.
  const csv = file('long.csv', `text,label\nhello,yes\n"${'y\n'.repeat(MAX_TEXT_CHARS / 2 + 1)}",no\nbye,no\n`);
  refusedData(() => loadExamples(csv, {}), csv, /, line 3: the line has/);
  assert.deepEqual(loadExamples(csv, { skipInvalid: true }).examples.map((e) => e.input), ['hello', 'bye']);
  // A template can join fields into a text longer than the tokenizer takes.
  const part = 'z'.repeat(400_000);
  const joined = file('joined.jsonl', JSON.stringify({ a: part, b: part, label: 'yes' }));
  refusedData(() => loadExamples(joined, { template: '{a} {b} {a}' }), joined, /, line 1: the input has 1,200,002 characters, more than the 1,000,000 a text may have/);
  // A file whose only line is too long says so (not that its fields are unknown).
  const only = file('only-long.jsonl', JSON.stringify({ text: long, label: 'yes' }));
  refusedData(() => loadExamples(only, { template: '{text}' }), only, /, line 1: the line has/);
});

test('the tokenizer refuses a text longer than it takes, in words (a 50 MB text once aborted its wasm module)', { skip: SKIP_NO_SHARED }, async () => {
  const tok = await T5Tokenizer.load(SPIECE_MODEL);
  assert.throws(() => tok.encode('a'.repeat(MAX_TEXT_CHARS + 1)), /A text of 1000001 characters is longer than the 1000000 the tokenizer takes; shorten it\./);
  assert.equal(tok.encode('a b c').at(-1), 1, 'the tokenizer still works');
});

test('rank labels are capped in number and cut to the target budget; labels the cut makes equal are refused', () => {
  const encode = (texts: string[], maxLength: number) => texts.map((t) => [...t].map((c) => c.charCodeAt(0)).slice(0, maxLength - 1).concat(1));
  const many = Array.from({ length: MAX_RANK_LABELS + 1 }, (_, i) => `label ${i}`);
  assert.throws(() => rankCandidates(many, encode, 16, 'the data\'s targets'), (err: Error) => err instanceof DataSpecError && /^labels: 101 labels \(the data's targets\) are more than the 100 rank classification scores/.test(err.message));
  const cut = rankCandidates(['y'.repeat(100_000), 'no'], encode, 16);
  assert.equal(cut[0].length, 16, 'a 100k-character label is scored on its first 16 tokens, as a target is trained on');
  assert.throws(() => rankCandidates([`${'a'.repeat(20)}1`, `${'a'.repeat(20)}2`], encode, 16), /are the same in their first 16 tokens/);
  const data = file('labels.jsonl', JSON.stringify({ text: 'a', label: 'yes' }));
  assert.throws(() => loadExamples(data, { labels: many }), /101 labels \(the labels setting\)/);
});

test('evaluation refuses 5,000 labels before scoring anything, and reports progress per batch', { skip: SKIP_NO_SHARED }, async () => {
  const model = await loadT5(tinyModelDir());
  const tok = await T5Tokenizer.load(tinyModelDir());
  try {
    const examples = encodeExamples(Array.from({ length: 5 }, (_, i) => ({ input: `text ${i}`, target: i % 2 ? 'yes' : 'no', source: { file: 'f', line: i + 1 } })), tok, 32, 16).examples;
    const labels = Array.from({ length: 5000 }, (_, i) => `label ${i}`);
    const start = performance.now();
    assert.throws(() => evaluate(model, tok, undefined, examples, { batchSize: 2, labels }), /5,000 labels .* more than the 100/);
    assert.ok(performance.now() - start < 2000);
    const progress: [number, number][] = [];
    const result = evaluate(model, tok, undefined, examples, { batchSize: 2, labels: ['no', 'yes'], onProgress: (done, total) => progress.push([done, total]) });
    assert.deepEqual(progress, [[2, 5], [4, 5], [5, 5]]);
    assert.ok(result.rankAccuracy !== undefined);
  } finally {
    model.dispose();
  }
});

test('a prompt longer than the input budget gets a clear error (once: "maxLength must be ≥ 1, got -88")', { skip: SKIP_NO_SHARED }, async () => {
  const model = await loadT5(tinyModelDir());
  const identity = modelIdentity(model, tinyModelDir());
  model.dispose();
  const promptDir = join(dir, 'long-prompt');
  savePrompt(promptDir, softPrompt(new Float32Array(600 * 32), 600, 32), identity);
  await assert.rejects(tryPrompts({ model: tinyModelDir(), prompts: [promptDir], inputs: ['hello'], ensemble: false }), (err: Error) => {
    assert.match(err.message, new RegExp(`^${promptDir.replace(/[/\\]/g, '.')}: this prompt has 600 tokens, but the model reads at most 512 tokens with the prompt, which leaves no room for the input`));
    return true;
  });
});
