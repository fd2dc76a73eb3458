// While a run trains, the Runs view, the panel's chart and "best" stat, the Sweep view and a saved
// prompt's description show the run's own metric (run-metric.ts), not F1 or rank accuracy: for CB the
// mean of rank accuracy and macro-F1, for MultiRC the mean of F1a and EM per question, for ReCoRD the
// mean of the answers' SQuAD F1 and EM (SuperGLUE's scores).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { managerWithFakeWorkers } from '../support/fake-worker';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { scoredMetric, type Scores } from '../../src/core/training/run-metric';
import type { Metric } from '../../src/core/engine-names';
import { Run } from '../../src/extension/runs/run';
import { planSweep, sweepGroups } from '../../src/extension/sweeps/sweep-group';
import { fileSweepView, liveSweepView } from '../../src/extension/sweeps/sweep-view-data';
import { readSavedPrompt } from '../../src/extension/prompts/saved-prompt';
import { parseWorkerMessage, type EvalEvent } from '../../src/worker/protocol';
import { RunData } from '../../webview/run-data';

const dir = mkdtempSync(join(tmpdir(), 'pt-live-metric-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// CB: 4 of 5 ranked right (0.8), macro-F1 0.5 → 0.65. MultiRC: F1a 0.6, 1 of 5 questions all right (0.2) → 0.4.
const CB: Scores = { exactMatch: 0.8, rankAccuracy: 0.8, macroF1: 0.5 };
const MULTIRC: Scores = { exactMatch: 0.7, rankAccuracy: 0.7, f1: 0.6, groupExactMatch: 0.2 };
// ReCoRD: answer F1 0.7, answer EM 0.5 → 0.6 (exact match of the raw text, 0.4, is not the metric).
const RECORD: Scores = { exactMatch: 0.4, answerF1: 0.7, answerExactMatch: 0.5 };
const evalEvent = (metric: Metric, scores: Scores, step = 2): EvalEvent => ({ type: 'eval', step, ...scores, ...scoredMetric(metric, scores), validLoss: 1, best: true, insights: [] });
const near = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test('an evaluation event carries the run\'s metric and its value; one without them is refused on arrival', () => {
  assert.deepEqual(scoredMetric('rank', { exactMatch: 0.25 }), { metric: 'exact-match', score: 0.25 }, 'open-ended targets have no rank accuracy');
  for (const [metric, scores, value] of [['acc-macro-f1', CB, 0.65], ['f1a-em', MULTIRC, 0.4], ['squad-f1-em', RECORD, 0.6]] as const) {
    const event = evalEvent(metric, scores);
    near(event.score, value);
    assert.equal(event.metric, metric);
    assert.deepEqual(parseWorkerMessage({ type: 'event', id: 1, event }), { type: 'event', id: 1, event });
    const { score: _, ...withoutScore } = event;
    assert.throws(() => parseWorkerMessage({ type: 'event', id: 1, event: withoutScore }), /"event\.score" is required/);
  }
  assert.throws(() => parseWorkerMessage({ type: 'event', id: 1, event: { ...evalEvent('squad-f1-em', RECORD), answerF1: '0.7' } }), /event\.answerF1/, 'the answer scores are checked too');
});

test('the Runs view\'s best and the panel\'s chart, best stat and metric name follow the run\'s metric', () => {
  for (const [metric, scores, value, name] of [['acc-macro-f1', CB, 0.65, 'mean of accuracy and macro-F1'], ['f1a-em', MULTIRC, 0.4, 'mean of F1a and EM per question'], ['squad-f1-em', RECORD, 0.6, 'mean of answer F1 and EM']] as const) {
    const run = new Run('r', 'n', resolveRunSettings({ model: 'm', train: 't', out: 'o', metric }));
    run.apply(evalEvent(metric, scores));
    near(run.summary.bestMetric, value);
    const data = new RunData();
    data.apply(evalEvent(metric, scores));
    near(data.evals[1][0], value);
    near(data.best?.metric, value);
    assert.equal(data.metricName, name);
  }
});

test('the Sweep view\'s curves, table and metric name take the run\'s metric, live and from a sweep.json\'s checkpoints', () => {
  const { manager, workers } = managerWithFakeWorkers();
  const base = resolveRunSettings({ model: '/m/tiny', train: '/d/train.jsonl', out: join(dir, 'base'), steps: 4, metric: 'acc-macro-f1' });
  manager.createSweep(planSweep(base, { promptLength: '1', init: 'random-uniform', seeds: '1' }, join(dir, 'cb'), 's1', 'cb'));
  workers[0]!.event({ type: 'started', runDir: '/o', backend: 'cpu', model: '/m/tiny', totalSteps: 4, promptLength: 1, dModel: 32, trainExamples: 9, validExamples: 5, validFromTrain: false, skippedLines: 0, truncatedInputs: 0, labels: ['entailment', 'contradiction', 'neutral'] });
  workers[0]!.event(evalEvent('acc-macro-f1', CB));
  const view = liveSweepView(sweepGroups(manager.list())[0]!, (id) => manager.history(id));
  near(view.curves[0]!.values[0], 0.65);
  near(view.rows[0]!.mean, 0.65);
  assert.equal(view.metricName, 'mean of accuracy and macro-F1', 'the summary, the table\'s column and the chart name it');

  const cell = join(dir, 'multirc', 'prompt-length-1');
  mkdirSync(join(cell, 'checkpoint'), { recursive: true });
  writeFileSync(join(cell, 'checkpoint', 'state.json'), JSON.stringify({ metrics: [{ step: 2, validLoss: 1, ...MULTIRC }] }));
  const file = join(dir, 'multirc', 'sweep.json');
  writeFileSync(file, JSON.stringify({ metric: 'f1a-em', cells: [{ name: 'prompt-length-1', dir: cell, seed: 1, status: 'completed', overrides: { promptLength: 1 } }], rows: [] }));
  const fromFile = fileSweepView(file);
  near(fromFile.curves[0]!.values[0], 0.4);
  assert.equal(fromFile.metricName, 'mean of F1a and EM per question');

  const recordCell = join(dir, 'record', 'prompt-length-1');
  mkdirSync(join(recordCell, 'checkpoint'), { recursive: true });
  writeFileSync(join(recordCell, 'checkpoint', 'state.json'), JSON.stringify({ metrics: [{ step: 2, validLoss: 1, ...RECORD }] }));
  const recordFile = join(dir, 'record', 'sweep.json');
  writeFileSync(recordFile, JSON.stringify({ metric: 'squad-f1-em', cells: [{ name: 'prompt-length-1', dir: recordCell, seed: 1, status: 'completed', overrides: { promptLength: 1 } }], rows: [] }));
  near(fileSweepView(recordFile).curves[0]!.values[0], 0.6);
});

test('a saved prompt is described by its run\'s metric at the best step', () => {
  const prompt = join(dir, 'cb-run', 'prompt');
  mkdirSync(prompt, { recursive: true });
  writeFileSync(join(prompt, 'prompt-tuner.json'), JSON.stringify({ baseModel: 'm', promptLength: 1, training: { metric: 'acc-macro-f1', bestStep: 2 }, metrics: [{ step: 2, ...CB }] }));
  const metric = readSavedPrompt(prompt)?.metric;
  assert.equal(metric?.name, 'mean of accuracy and macro-F1');
  near(metric?.value, 0.65);

  const recordPrompt = join(dir, 'record-run', 'prompt');
  mkdirSync(recordPrompt, { recursive: true });
  writeFileSync(join(recordPrompt, 'prompt-tuner.json'), JSON.stringify({ baseModel: 'm', promptLength: 1, training: { metric: 'squad-f1-em', bestStep: 2 }, metrics: [{ step: 2, ...RECORD }] }));
  const record = readSavedPrompt(recordPrompt)?.metric;
  assert.equal(record?.name, 'mean of answer F1 and EM');
  near(record?.value, 0.6);
});
