// The extension's VS Code-free logic: reading saved prompt folders (ours and PEFT's reference
// fixture), previewing a dataset for the setup flow, turning choices into a run request, the prompt
// document and hover texts, and the panel's run data (a resumed run drops the steps it repeats).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_DIR, SKIP_NO_SHARED } from '../support/shared';
import { describeMetric, readSavedPrompt } from '../../src/extension/prompts/saved-prompt';
import { previewDataset, splitDelimited } from '../../src/extension/setup/data-preview';
import { buildRunRequest, ChoiceError, newRunFolder } from '../../src/extension/setup/run-request';
import { documentLines, hoverMarkdown, TOKEN_LINE } from '../../src/extension/inspect/insight-text';
import { describeRun, formatDuration } from '../../src/extension/views/format';
import { describeTrainEvent } from '../../src/extension/runs/event-log';
import { readTunerSettings } from '../../src/extension/configuration';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { SchemaError } from '../../src/core/schema';
import type { PromptTokenInsight, TrainEvent } from '../../src/worker/protocol';
import { RunData } from '../../webview/run-data';

const dir = mkdtempSync(join(tmpdir(), 'prompt-tuner-ext-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

test('a PEFT prompt folder (the reference fixture) is listed with its model and length', { skip: SKIP_NO_SHARED }, () => {
  const peft = join(SHARED_DIR, 'fixtures', 't5-golden', 't5-v1_0-tiny', 'peft-prompt');
  const saved = readSavedPrompt(peft);
  assert.ok(saved);
  assert.equal(saved.source, 'peft');
  assert.equal(saved.model, 't5-v1_0-tiny');
  assert.equal(saved.promptLength, 5);
  assert.equal(saved.dModel, 32);
  assert.equal(saved.name, 'peft-prompt');
});

test('our prompt-tuner.json gives model, labels, the best metric and the nearest snapshot', () => {
  const nearest: PromptTokenInsight[] = [{ index: 0, nearest: [{ id: 150, piece: '▁no', cosine: 0.9 }], norm: 3, vocabMeanNorm: 2, drift: 0.5, isLabel: true }];
  file('run-1/prompt/prompt-tuner.json', JSON.stringify({
    format: 'prompt-tuner/soft-prompt', formatVersion: 1, baseModel: '/models/tiny', dModel: 32, promptLength: 20, labels: ['no', 'yes'],
    training: { bestStep: 20 },
    metrics: [{ step: 10, rankAccuracy: 0.5, exactMatch: 0.1 }, { step: 20, rankAccuracy: 0.75, exactMatch: 0.2 }, { step: 30, rankAccuracy: 0.7 }],
    nearest,
  }));
  const saved = readSavedPrompt(join(dir, 'run-1', 'prompt'));
  assert.ok(saved);
  assert.equal(saved.name, 'run-1', 'a run\'s prompt/ folder is named after its run');
  assert.deepEqual(saved.metric, { name: 'rank accuracy', value: 0.75, step: 20 });
  assert.equal(describeMetric(saved.metric), 'rank accuracy 75.0%');
  assert.deepEqual(saved.labels, ['no', 'yes']);
  assert.deepEqual(saved.nearest, nearest);
  assert.equal(readSavedPrompt(dir), undefined, 'a folder without metadata is not a prompt');
});

test('dataset preview: JSONL fields, the detected input/target and the label set', () => {
  const jsonl = file('data/k.jsonl', ['{"text":"a","label":"yes"}', 'not json', '{"text":"b","label":"no"}', '{"text":"c","label":"yes","extra":1}'].join('\n'));
  assert.deepEqual(previewDataset(jsonl), { fields: ['text', 'label', 'extra'], rowsRead: 3, inputField: 'text', targetField: 'label', labels: ['no', 'yes'] });
  const csv = file('data/k.csv', 'sentence,output\n"hello, world",positive\n"say ""hi""",negative\n');
  const preview = previewDataset(csv);
  assert.deepEqual(preview.fields, ['sentence', 'output']);
  assert.equal(preview.inputField, 'sentence');
  assert.deepEqual(preview.labels, ['negative', 'positive']);
  assert.deepEqual(splitDelimited('a\t"b\tc"\t', '\t'), ['a', 'b\tc', '']);
  const free = file('data/free.tsv', `input\ttarget\n${Array.from({ length: 30 }, (_, i) => `q${i}\tanswer ${i}`).join('\n')}\n`);
  assert.equal(previewDataset(free).labels, undefined, 'more than 20 distinct targets are not a label set');
});

// VS Code's values: the user set a learning rate; everything else is package.json's default.
const settings = readTunerSettings((key) => (key === 'learningRate' ? 0.3 : undefined));

test('choices become a run request: absolute paths, settings as defaults, a fresh run folder, checked by the schema', () => {
  const root = join(dir, 'ws');
  file('ws/data/train.jsonl', '{"text":"a","label":"yes"}\n');
  mkdirSync(join(root, 'models', 'tiny'), { recursive: true });
  const req = buildRunRequest({ model: 'models/tiny', train: 'data/train.jsonl', labels: ['no', 'yes'], steps: 50 }, settings, root, () => false);
  assert.deepEqual(req, resolveRunSettings({
    model: join(root, 'models', 'tiny'), train: join(root, 'data', 'train.jsonl'), out: join(root, '.prompts', 'train-1'), steps: 50, lr: 0.3, labels: ['no', 'yes'],
  }));
  assert.equal(req.checkpointEvery, req.evalEvery, 'a run checkpoints at each evaluation, as the CLI does');
  const hub = buildRunRequest({ train: 'data/train.jsonl', optimizer: 'adam', template: 'q: {text}', inputField: 'ignored' }, settings, root, () => false);
  assert.equal(hub.model, 'google/t5-base-lm-adapt', 'a hub id stays a hub id');
  assert.equal(hub.lr, undefined, 'the Adafactor learning rate is not carried over to Adam');
  assert.equal(hub.template, 'q: {text}');
  assert.equal(hub.inputField, undefined, 'a template replaces the input field');
  assert.throws(() => buildRunRequest({ train: 'data/missing.jsonl' }, settings, root, () => false), (err: Error) => err instanceof ChoiceError && err.field === 'train');
  assert.throws(() => buildRunRequest({ train: 'data/train.jsonl', promptLength: 0 }, settings, root, () => false), (err: Error) => err instanceof SchemaError && /"promptLength" must be at least 1 \(got 0\)/.test(err.message) && err.fields[0] === 'promptLength');
  assert.throws(() => buildRunRequest({ train: 'data/train.jsonl', lr: 'fast' }, settings, root, () => false), /"lr" must be a number \(got "fast"\)/);
  assert.throws(() => buildRunRequest({ train: 'data/train.jsonl', colour: 'red' } as never, settings, root, () => false), /"colour" is not a known field/);
  mkdirSync(join(root, '.prompts', 'train-1'), { recursive: true });
  const taken = join(root, '.prompts', 'train-2');
  assert.equal(newRunFolder(root, '.prompts', 'data/train.jsonl', (d) => d === taken), join(root, '.prompts', 'train-3'));
});

test('a hub dataset as the data: kept as written, the run folder named for it, a malformed one refused naming train', () => {
  const root = join(dir, 'ws-hub');
  const req = buildRunRequest({ train: 'hf:nyu-mll/glue:rte', valid: 'hf:nyu-mll/glue:rte#validation' }, settings, root, () => false);
  assert.equal(req.train, 'hf:nyu-mll/glue:rte');
  assert.equal(req.valid, 'hf:nyu-mll/glue:rte#validation');
  assert.equal(req.out, join(root, '.prompts', 'glue-rte-1'));
  assert.throws(
    () => buildRunRequest({ train: 'hf:nyu-mll/glue:r te' }, settings, root, () => false),
    (err: Error) => err instanceof ChoiceError && err.field === 'train' && /the config "r te"/.test(err.message),
  );
  assert.throws(() => previewDataset('hf:nyu-mll/glue:rte'), /A hub dataset is downloaded when training starts/);
});

const insight = (index: number, isLabel: boolean): PromptTokenInsight => ({
  index,
  nearest: Array.from({ length: 10 }, (_, i) => ({ id: 100 + i, piece: i === 0 ? '▁yes' : `▁w${i}`, cosine: 0.9 - i * 0.05 })),
  norm: 4,
  vocabMeanNorm: 2,
  initPiece: isLabel ? '▁yes' : undefined,
  drift: 0.25,
  isLabel,
});

test('the prompt document has one line per token with 5 neighbours; the hover has 10 and the norm ratio', () => {
  const lines = documentLines('Soft prompt x', [insight(0, true), insight(1, false)]);
  const tokenLines = lines.filter((l) => TOKEN_LINE.test(l));
  assert.equal(tokenLines.length, 2);
  assert.match(tokenLines[0]!, /^P0 +▁yes 0\.900 · ▁w1 0\.850 · ▁w2 0\.800 · ▁w3 0\.750 · ▁w4 0\.700 +\| norm 4\.00 \| init ▁yes \| drift 0\.250 \| ★ label$/);
  assert.doesNotMatch(tokenLines[1]!, /label/);
  assert.match(tokenLines[1]!, /init random/);
  const hover = hoverMarkdown(insight(0, true));
  assert.equal(hover.split('\n').filter((l) => /^\| \d+ \|/.test(l)).length, 10);
  assert.match(hover, /2\.00× the vocabulary's mean norm 2\.00/);
  assert.match(hover, /nearest piece is a label word/);
  assert.match(hover, /Drift from init: 0\.2500/);
});

test('short texts: durations, run descriptions and log lines', () => {
  assert.equal(formatDuration(59.4), '59s');
  assert.equal(formatDuration(125), '2m 05s');
  assert.equal(formatDuration(3 * 3600 + 61), '3h 01m');
  assert.equal(
    describeRun({ id: 'r', name: 'n', status: 'training', request: resolveRunSettings({ model: 'm', train: 't', out: 'o' }), step: 40, totalSteps: 300, loss: 0.51234, bestMetric: 0.875 }),
    'training · step 40/300 · loss 0.512 · best 87.5%',
  );
  assert.equal(describeRun({ id: 'r', name: 'n', status: 'queued', request: resolveRunSettings({ model: 'm', train: 't', out: 'o' }), step: 0, totalSteps: 300 }, 2), 'queued #2');
  assert.equal(describeTrainEvent({ type: 'step', step: 7, totalSteps: 100, epoch: 1, loss: 1, learningRate: 0.3, examplesPerSecond: 1, etaSeconds: 1, memoryMB: 1 }), undefined);
  assert.match(describeTrainEvent({ type: 'eval', step: 10, exactMatch: 0.5, rankAccuracy: 0.75, metric: 'rank', score: 0.75, validLoss: 1.25, best: true, insights: [] }) ?? '', /rank accuracy 75\.0% \(best so far\)/);
});

test('panel run data: series grow with events; a resumed run drops the steps after its checkpoint', () => {
  const data = new RunData();
  const stepEvent = (n: number): TrainEvent => ({ type: 'step', step: n, totalSteps: 10, epoch: 1, loss: 10 - n, learningRate: 0.3, examplesPerSecond: 1, etaSeconds: 1, memoryMB: 1 });
  for (let n = 1; n <= 6; n++) data.apply(stepEvent(n));
  data.apply({ type: 'eval', step: 3, exactMatch: 0.1, rankAccuracy: 0.5, metric: 'rank', score: 0.5, validLoss: 2, best: true, insights: [insight(0, false)] });
  data.apply({ type: 'eval', step: 6, exactMatch: 0.2, rankAccuracy: 0.8, metric: 'rank', score: 0.8, validLoss: 1, best: true, insights: [insight(0, true)] });
  assert.deepEqual(data.best, { step: 6, metric: 0.8 });
  assert.equal(data.metricName, 'rank accuracy');
  assert.equal(data.insights[0]?.isLabel, true);
  // Crashed after step 6; the checkpoint was at step 4.
  assert.equal(data.apply({ type: 'started', runDir: '/o', backend: 'cpu', model: 'm', totalSteps: 10, promptLength: 1, dModel: 32, trainExamples: 9, validExamples: 1, validFromTrain: true, skippedLines: 0, truncatedInputs: 0, resumedFromStep: 4 }), 'started');
  assert.deepEqual(data.loss[0], [1, 2, 3, 4]);
  assert.deepEqual(data.evals[0], [3]);
  assert.deepEqual(data.best, { step: 3, metric: 0.5 });
  data.apply(stepEvent(5));
  assert.deepEqual(data.loss[0], [1, 2, 3, 4, 5]);
});
