// --task record: SuperGLUE ReCoRD as T5 makes it (t5/data/preprocessors.py record(): the passage's
// `(\.|\?|\!|\"|\')\n@highlight\n` replaced by `\1 `, then `\n@highlight\n` by `. `; the input
// "record query: <query> entities: <entities joined by ', '> passage: <passage>"; one example per
// answer) and scores it (t5/evaluation/qa_utils.py: normalize_squad, exact match and token F1, the
// best over the gold answers). The expected strings and scores are written from those definitions.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { resolveRunSettings, type RunSettings } from '../../src/core/settings/run-settings';
import { loadExamples, type DataSpec } from '../../src/core/training/data/dataset';
import { loadData } from '../../src/core/training/data/source';
import { answerScores, normalizeAnswer } from '../../src/core/training/squad';
import { metricDataProblem, metricValue } from '../../src/core/training/run-metric';
import { scorePrefix } from '../../src/cli/score-parts';
import { evaluate } from '../../src/core/training/evaluate';
import { train } from '../../src/core/training/trainer';
import { exportPeftJob } from '../../src/core/peft-job/export-job';
import type { T5Model } from '../../src/core/t5/model';
import type { T5Tokenizer } from '../../src/core/tokenizer';
import type { TrainEvent } from '../../src/core/training/events';
import { REPO_ROOT, SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';

const dir = mkdtempSync(join(tmpdir(), 'prompt-tuner-record-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function jsonl(name: string, rows: readonly object[]): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

const settingsFor = (more: Record<string, unknown> = {}): RunSettings => resolveRunSettings({ task: 'record', model: 'google/t5-base-lm-adapt', out: join(dir, 'run'), train: 'x.jsonl', ...more });
const s = settingsFor();
const spec: DataSpec = { template: s.template, targetField: s.targetField, task: 'record' };

// Rows as the hub's super_glue record has them (the first two are also test/fixtures/parquet/record-validation.parquet).
const ROWS = [
  {
    passage: 'The cat sat on the mat.\n@highlight\nCat sits\n@highlight\nMat is red',
    query: '@placeholder sat on the mat',
    entities: ['cat', 'mat'],
    answers: ['cat'],
    idx: { passage: 0, query: 0 },
  },
  {
    passage: 'Barack Obama spoke in Chicago. He asked "why?"\n@highlight\nObama speaks\n@highlight\nChicago hosts',
    query: '@placeholder spoke in Chicago',
    entities: ['Barack Obama', 'Chicago', 'Obama'],
    answers: ['Barack Obama', 'Obama'],
    idx: { passage: 1, query: 1 },
  },
  {
    passage: "Is Paris big?\n@highlight\nParis is big!\n@highlight\nIt's 'Anna'\n@highlight\nEnd",
    query: '@placeholder is big',
    entities: ['Paris'],
    answers: ['Paris'],
    idx: { passage: 2, query: 2 },
  },
];

// T5's inputs for the rows: "." + highlight -> ". " by the first rule, a bare highlight -> ". " by the
// second; '"', '?', '!' and "'" before a highlight keep their character and a space.
const INPUT_A = 'record query: @placeholder sat on the mat entities: cat, mat passage: The cat sat on the mat. Cat sits. Mat is red';
const INPUT_B = 'record query: @placeholder spoke in Chicago entities: Barack Obama, Chicago, Obama passage: Barack Obama spoke in Chicago. He asked "why?" Obama speaks. Chicago hosts';
const INPUT_C = "record query: @placeholder is big entities: Paris passage: Is Paris big? Paris is big! It's 'Anna' End";

test('--task record sets up ReCoRD from the hub: T5\'s input, the answer as target, SQuAD F1/EM, no label set', () => {
  const hub = resolveRunSettings({ task: 'record', model: 'm', out: 'o' });
  assert.deepEqual(
    [hub.train, hub.valid, hub.template, hub.targetField, hub.metric, hub.labels, hub.verbalizer, hub.init],
    ['hf:aps/super_glue:record#train', 'hf:aps/super_glue:record#validation', 'record query: {query} entities: {entities} passage: {passage}', 'answers', 'squad-f1-em', undefined, undefined, { kind: 'sampled-vocab' }],
  );
});

test('training reads one example per answer, as T5\'s record() writes them; every example keeps all the gold answers', () => {
  const examples = loadExamples(jsonl('train.jsonl', ROWS), spec, 'train').examples;
  assert.deepEqual(
    examples.map((e) => [e.input, e.target, e.answers, e.source.line]),
    [
      [INPUT_A, 'cat', ['cat'], 1],
      [INPUT_B, 'Barack Obama', ['Barack Obama', 'Obama'], 2],
      [INPUT_B, 'Obama', ['Barack Obama', 'Obama'], 2],
      [INPUT_C, 'Paris', ['Paris'], 3],
    ],
  );
});

test('validation and evaluation read one example per query (what T5 scores), its target the first answer', () => {
  for (const role of ['valid', 'eval'] as const) {
    const examples = loadExamples(jsonl(`${role}.jsonl`, ROWS), spec, role).examples;
    assert.deepEqual(examples.map((e) => [e.input, e.target, e.answers]), [
      [INPUT_A, 'cat', ['cat']],
      [INPUT_B, 'Barack Obama', ['Barack Obama', 'Obama']],
      [INPUT_C, 'Paris', ['Paris']],
    ], role);
  }
});

test('the hub\'s Parquet rows (lists of strings, idx and entity_spans structs) read as the JSON Lines rows do', async () => {
  const file = join(REPO_ROOT, 'test', 'fixtures', 'parquet', 'record-validation.parquet');
  assert.deepEqual((await loadData(file, 'train', spec)).examples.map((e) => [e.input, e.target]), [[INPUT_A, 'cat'], [INPUT_B, 'Barack Obama'], [INPUT_B, 'Obama']]);
  assert.deepEqual((await loadData(file, 'valid', spec)).examples.map((e) => e.answers), [['cat'], ['Barack Obama', 'Obama']]);
});

test('ReCoRD rows without answers, or whose lists are not lists, are named by line and field; skipInvalid skips them', () => {
  const [a, b] = ROWS;
  const file = jsonl('bad.jsonl', [a, { ...b, answers: [] }, { ...b, entities: 'Obama' }]);
  assert.throws(() => loadExamples(file, spec), /bad\.jsonl, line 2: field "answers": has no answers \(the test split's rows have none\).*Use the train or validation split/);
  const loaded = loadExamples(file, { ...spec, skipInvalid: true });
  assert.deepEqual(loaded.examples.map((e) => e.target), ['cat']);
  assert.deepEqual(loaded.skipped.map((k) => [k.line, k.reason]), [
    [2, 'field "answers": has no answers (the test split\'s rows have none), so the row can be neither trained on nor scored'],
    [3, 'field "entities": is text, but must be a list of strings'],
  ]);
  assert.throws(() => loadExamples(jsonl('no-passage.jsonl', [{ ...a, passage: undefined }]), { ...spec, template: 'record query: {query}' }), /line 1: field "passage": missing field \(ReCoRD rows need passage, query, entities and answers\)/);
});

test('SQuAD\'s normalisation: lowercase, no punctuation, no articles (whole words, Unicode-aware), single spaces', () => {
  assert.equal(normalizeAnswer('The  Obama!'), 'obama');
  assert.equal(normalizeAnswer('U.S.A. and an apple, a day'), 'usa and apple day');
  assert.equal(normalizeAnswer('Theater at Anaheim'), 'theater at anaheim', 'articles only as whole words');
  assert.equal(normalizeAnswer('snake_case'), 'snakecase', 'the underscore is punctuation');
  // Python's \b on str counts Greek letters as word characters: no boundary between "ω" and "a".
  assert.equal(normalizeAnswer('Ωa the'), 'ωa');
});

test('SQuAD\'s EM and token F1, each the best over the gold answers, averaged over examples', () => {
  assert.deepEqual(answerScores(['the Obama'], [['Obama']]), { exactMatch: 1, f1: 1 });
  // "barack" against "barack obama": precision 1, recall 1/2 -> 2/3; against "obama": 0.
  assert.deepEqual(answerScores(['Barack'], [['Barack Obama', 'Obama']]), { exactMatch: 0, f1: 2 / 3 });
  assert.deepEqual(answerScores(['Obama, Barack'], [['Barack Obama']]), { exactMatch: 0, f1: 1 }, 'F1 counts tokens, in any order');
  assert.deepEqual(answerScores(['obama obama'], [['Obama']]), { exactMatch: 0, f1: 2 / 3 }, 'a repeated token counts once per gold token');
  assert.deepEqual(answerScores(['the Obama', 'Paris'], [['Obama'], ['London']]), { exactMatch: 0.5, f1: 0.5 });
  assert.deepEqual(answerScores(['a'], [['the']]), { exactMatch: 1, f1: 0 }, 'both empty after normalisation: equal, but no tokens in common');
});

test('evaluation scores the generated text against every gold answer; squad-f1-em is the mean of F1 and EM', () => {
  const texts = ['the Obama', 'Barack', 'Rome'];
  // A stand-in model that generates text i for input token i.
  const model = { loss: () => 0, generate: ({ inputIds }: { inputIds: number[][] }) => ({ sequences: inputIds.map((row) => [0, row[0]]) }) } as unknown as T5Model;
  const tok = { padId: 9, decode: (ids: number[]) => texts[ids[0]], encodeBatch: (t: string[]) => ({ inputIds: t.map(() => [5]) }) } as unknown as T5Tokenizer;
  const rows = [
    { inputIds: [0], targetIds: [5], target: 'Obama', answers: ['Obama'] },
    { inputIds: [1], targetIds: [5], target: 'Barack Obama', answers: ['Barack Obama', 'Obama'] },
    { inputIds: [2], targetIds: [5], target: 'Paris', answers: ['Paris'] },
  ];
  const r = evaluate(model, tok, undefined, rows, { batchSize: 2, metric: 'squad-f1-em' });
  // EM: 1, 0, 0; F1: 1, 2/3, 0.
  assert.equal(r.answerExactMatch, 1 / 3);
  assert.ok(Math.abs(r.answerF1! - 5 / 9) < 1e-15);
  assert.equal(r.exactMatch, 0, 'plain exact match of the text against the target is still reported');
  assert.ok(Math.abs(metricValue('squad-f1-em', r) - (1 / 3 + 5 / 9) / 2) < 1e-15);
  assert.equal(evaluate(model, tok, undefined, rows, { batchSize: 2, metric: 'exact-match' }).answerF1, undefined, 'only when the metric asks');
  assert.match(metricDataProblem('squad-f1-em', [{ source: { file: 'mine.jsonl', line: 4 } }]) ?? '', /squad-f1-em scores the generated answer against each example's gold answers, but mine\.jsonl, line 4 has none .*--task record.*--metric exact-match/);
  assert.equal(metricDataProblem('squad-f1-em', rows), undefined);
  assert.equal(scorePrefix('squad-f1-em', 0.6, { answerF1: 0.7, answerExactMatch: 0.5 }), 'squad-f1-em 60.0%, answer F1 70.0%, answer EM 50.0%, ', 'eval prints the mean and both parts');
});

test('a ReCoRD run trains on the answers, selects by SQuAD F1/EM, reports them in eval --json, and its PEFT job is refused', { skip: SKIP_NO_SHARED }, async () => {
  const data = jsonl('run.jsonl', ROWS);
  const out = join(dir, 'record-run');
  const events: TrainEvent[] = [];
  const done = await train(settingsFor({ model: tinyModelDir(), train: data, valid: data, out, steps: 1, evalEvery: 1, batchSize: 2, promptLength: 2, maxInputLength: 96, backend: 'cpu' }), { onEvent: (e) => events.push(e) });
  const started = events.find((e) => e.type === 'started');
  assert.ok(started?.type === 'started');
  assert.deepEqual([started.trainExamples, started.validExamples, started.labels], [4, 3, undefined], 'four answers to train on, three queries to score, no label set');
  const best = events.flatMap((e) => (e.type === 'eval' && e.best ? [e] : [])).at(-1);
  assert.ok(best?.answerF1 !== undefined && best.answerExactMatch !== undefined);
  assert.equal(done.bestMetric, (best.answerF1 + best.answerExactMatch) / 2);
  assert.deepEqual([best.metric, best.score], ['squad-f1-em', done.bestMetric], 'live views show the mean the run selects by');
  await assert.rejects(exportPeftJob(out, join(dir, 'record-job')), /selects its prompt by squad-f1-em .*which train\.py does not compute/);

  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), 'eval', '--model', tinyModelDir(), '--data', data, '--task', 'record', '--max-input-length', '96', '--json'], {
    cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PROMPT_TUNER_BACKEND: 'cpu' },
  });
  assert.equal(r.status, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { metric: string; n: number; score: number; answerF1?: number; answerExactMatch?: number; rankAccuracy?: number; labelChecks?: unknown };
  assert.deepEqual([last.metric, last.n, last.rankAccuracy, last.labelChecks], ['squad-f1-em', 3, undefined, undefined], 'one example per query, scored on generated text, no label set to check outputs against');
  assert.ok(last.answerF1 !== undefined && last.answerExactMatch !== undefined);
  assert.equal(last.score, (last.answerF1 + last.answerExactMatch) / 2);
});
