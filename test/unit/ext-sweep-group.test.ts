// A sweep started in VS Code: the grid becomes one queued run per cell, named and placed as the CLI's
// prompt-tune sweep places them; sweep.json is rewritten as the runs finish (readable by the CLI's
// resume and by Open Sweep Results); the Sweep view's table and curves come from the runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { managerWithFakeWorkers, type FakeWorker } from '../support/fake-worker';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { planSweep, textPromptOf } from '../../src/extension/sweeps/sweep-group';
import { queueSweepDesign } from '../../src/extension/sweeps/sweep-design';
import { recordSweeps } from '../../src/extension/sweeps/sweep-recorder';
import { fileSweepView, liveSweepView } from '../../src/extension/sweeps/sweep-view-data';
import { sweepGroups } from '../../src/extension/sweeps/sweep-group';
import { RunRows, SWEEP_ELEMENT } from '../../src/extension/views/run-rows';
import type { TrainEvent } from '../../src/worker/protocol';

const dir = mkdtempSync(join(tmpdir(), 'pt-ext-sweep-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = 4;
const base = resolveRunSettings({ model: '/m/tiny', train: '/d/train.jsonl', out: join(dir, 'base'), steps: STEPS, seed: 3, lr: 0.5 });

const started: TrainEvent = {
  type: 'started', runDir: '/o', backend: 'cpu', model: '/m/tiny', totalSteps: STEPS, promptLength: 1, dModel: 32,
  trainExamples: 90, validExamples: 10, validFromTrain: true, skippedLines: 0, truncatedInputs: 0, labels: ['no', 'yes'],
};
const evalAt = (step: number, rank: number, best: boolean): TrainEvent => ({ type: 'eval', step, exactMatch: 0, rankAccuracy: rank, metric: 'rank', score: rank, validLoss: 1, best, insights: [] });

/** Plays one run's worker: evaluations at steps 2 and 4 with these rank accuracies, then done. */
function train(worker: FakeWorker, [first, second]: [number, number]): void {
  worker.event(started);
  worker.event(evalAt(2, first, true));
  worker.event(evalAt(4, second, second > first));
  worker.event({ type: 'done', status: 'completed', step: STEPS, bestStep: second > first ? 4 : 2, bestMetric: Math.max(first, second), promptDir: '/p', message: 'done' });
  worker.exited(0);
}

test('the grid becomes one run per cell, queued in the grid\'s order, in the CLI\'s cell folders, over the base run', () => {
  const { manager, workers } = managerWithFakeWorkers();
  const sweepDir = join(dir, 'grid');
  const runs = manager.createSweep(planSweep(base, { promptLength: '1, 5', init: 'random-uniform,class-labels', seeds: '2' }, sweepDir, 's1', 'grid'));
  // Folder names as prompt-tune sweep --prompt-length 1,5 --init random-uniform,class-labels --seed 3 --seeds 2 makes them.
  const names = ['1_init-random-uniform_seed-3', '1_init-random-uniform_seed-4', '1_init-class-labels_seed-3', '1_init-class-labels_seed-4',
    '5_init-random-uniform_seed-3', '5_init-random-uniform_seed-4', '5_init-class-labels_seed-3', '5_init-class-labels_seed-4'].map((n) => `prompt-length-${n}`);
  assert.deepEqual(runs.map((r) => r.request.out), names.map((n) => join(sweepDir, n)));
  assert.deepEqual(runs.map((r) => [r.request.promptLength, r.request.init.kind, r.request.seed]).slice(0, 3), [[1, 'random-uniform', 3], [1, 'random-uniform', 4], [1, 'class-labels', 3]]);
  assert.ok(runs.every((r) => r.request.steps === STEPS && r.request.lr === 0.5 && r.request.train === '/d/train.jsonl'), 'the base run\'s settings are kept');
  assert.ok(runs.every((r) => r.sweep?.id === 's1' && r.sweep.dir === sweepDir));
  assert.equal(workers.length, 1, 'one trains at a time');
  assert.deepEqual(runs.map((r) => manager.queuePosition(r.id)), [undefined, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(sweepGroups(manager.list()).map((g) => [g.id, g.members.length]), [['s1', 8]]);

  assert.throws(() => planSweep(base, { promptLength: '1,0', init: 'random-uniform', seeds: '1' }, sweepDir, 's2', 'x'), /prompt-length-0.*promptLength/s, 'a bad value is named with its cell');
  assert.throws(() => planSweep(base, { promptLength: '1', init: 'random-uniform', seeds: '0' }, sweepDir, 's2', 'x'), /number of seeds must be a whole number of at least 1, not 0/);
  assert.throws(() => planSweep(base, { promptLength: '1', init: 'random-uniform', seeds: 'two' }, sweepDir, 's2', 'x'), /number of seeds must be a whole number of at least 1, not “two”/);
  assert.throws(() => planSweep(base, { promptLength: '1', init: 'nonsense', seeds: '1' }, sweepDir, 's2', 'x'), /init/);
});

test('sweep.json is rewritten as the runs finish; the table and the curves come from the runs\' evaluations', () => {
  const { manager, workers } = managerWithFakeWorkers();
  const sweepDir = join(dir, 'live');
  const lines: string[] = [];
  const recorder = recordSweeps(manager, (l) => lines.push(l));
  const runs = manager.createSweep(planSweep(base, { promptLength: '1,5', init: 'random-uniform', seeds: '2' }, sweepDir, 's3', 'live'));
  const file = join(sweepDir, 'sweep.json');
  const read = () => JSON.parse(readFileSync(file, 'utf8')) as { metric: string; cells: { name: string; dir: string; seed: number; status: string; bestMetric: number; bestStep: number; seconds: number; settings: { promptLength: number } }[] };

  train(workers[0]!, [0.5, 0.25]);
  let sweep = read();
  assert.deepEqual(sweep.cells.map((c) => [c.name, c.status, c.bestMetric, c.bestStep, c.seed]), [['prompt-length-1_init-random-uniform_seed-3', 'completed', 0.5, 2, 3]]);
  assert.equal(sweep.cells[0]!.dir, runs[0]!.request.out, 'the cell\'s run folder, where the CLI looks for its checkpoint');
  assert.equal(typeof sweep.cells[0]!.seconds, 'number');
  // While the second run trains, the view shows its curve so far and the row waits for it.
  workers[1]!.event(started);
  workers[1]!.event(evalAt(2, 0.75, true));
  const group = () => sweepGroups(manager.list())[0]!;
  let view = liveSweepView(group(), (id) => manager.history(id));
  assert.deepEqual(view.curves.map((c) => [c.point, c.seed, c.steps, c.values]), [
    ['1 · random-uniform', 3, [2, 4], [0.5, 0.25]], ['1 · random-uniform', 4, [2], [0.75]], ['5 · random-uniform', 3, [], []], ['5 · random-uniform', 4, [], []],
  ]);
  assert.deepEqual([view.rows[0]!.done, view.rows[0]!.seeds, view.finished, view.cells], [1, 2, 1, 4]);

  workers[1]!.event(evalAt(4, 0.25, false));
  workers[1]!.event({ type: 'done', status: 'completed', step: STEPS, bestStep: 2, bestMetric: 0.75, promptDir: '/p', message: 'done' });
  workers[1]!.exited(0);
  train(workers[2]!, [0.25, 1]);
  sweep = read();
  assert.deepEqual(sweep.cells.map((c) => c.bestMetric), [0.5, 0.75, 1]);
  view = liveSweepView(group(), (id) => manager.history(id));
  const [one, five] = view.rows;
  // Seeds 3 and 4 of length 1: best 0.5 at step 2 and 0.75 at step 2; mean 0.625, sample std |0.75 - 0.5| / √2.
  assert.deepEqual([one!.point, one!.mean, one!.meanBestStep, one!.seeds, one!.done], ['1 · random-uniform', 0.625, 2, 2, 2]);
  assert.ok(Math.abs(one!.std! - 0.25 / Math.SQRT2) < 1e-12);
  assert.deepEqual([five!.mean, five!.std, five!.done], [1, 0, 1], 'the cell still waiting is not in the mean');
  // Open Sweep Results reads the same rows from the file.
  assert.deepEqual(fileSweepView(file).rows.map((r) => [r.point, r.mean, r.seeds]), [['1 · random-uniform', 0.625, 2], ['5 · random-uniform', 1, 1]]);
  assert.deepEqual(lines, []);
  recorder.dispose();
});

test('a sweep run\'s status change redraws its sweep\'s row, which counts its finished runs', () => {
  const { manager, workers } = managerWithFakeWorkers();
  const redraws: (readonly string[] | undefined)[] = [];
  const rows = new RunRows(manager, (what) => redraws.push(what), { set: () => 1, clear: () => undefined });
  const runs = manager.createSweep(planSweep(base, { promptLength: '1', init: 'random-uniform', seeds: '2' }, join(dir, 'rows'), 's4', 'rows'));
  runs.forEach((r) => rows.changed(manager.get(r.id)!));
  redraws.length = 0;
  train(workers[0]!, [0.5, 0.5]);
  rows.changed(manager.get(runs[0]!.id)!);
  assert.ok(redraws.some((w) => w?.includes(SWEEP_ELEMENT + 's4')), JSON.stringify(redraws));
  rows.dispose();
});

test('the grid step reads prompt design\'s text prompt and shots as the CLI\'s --text-prompt and --shots; a bad one is refused, saying what to do', () => {
  const grid = { promptLength: '1', init: 'random-uniform', seeds: '1' };
  assert.equal(textPromptOf(grid), undefined, 'no text prompt: no row');
  assert.equal(textPromptOf({ ...grid, textPrompt: '  ', shots: '' }), undefined);
  assert.deepEqual(textPromptOf({ ...grid, textPrompt: ' Is this review positive? ', shots: '' }), { text: 'Is this review positive?', shots: 0 });
  assert.deepEqual(textPromptOf({ ...grid, textPrompt: 'Positive?', shots: ' 3 ' }), { text: 'Positive?', shots: 3 });
  const sweepDir = join(dir, 'design-check');
  // The grid step checks each value as typed through planSweep.
  assert.throws(() => planSweep(base, { ...grid, textPrompt: 'Positive?', shots: 'two' }, sweepDir, 's', 'x'), /Shots must be a whole number of at least 1 .*not “two”/);
  assert.throws(() => planSweep(base, { ...grid, textPrompt: 'Positive?', shots: '0' }, sweepDir, 's', 'x'), /Shots must be a whole number of at least 1 .*or empty for none; not “0”/);
  assert.throws(() => planSweep(base, { ...grid, textPrompt: '', shots: '2' }, sweepDir, 's', 'x'), /Shots go with a text prompt: write the text prompt, or leave shots empty/);
});

test('prompt design\'s row is evaluated by a worker before the cells train and written into sweep.json, where the Sweep view and later rewrites keep it', async () => {
  const { manager, workers } = managerWithFakeWorkers();
  const sweepDir = join(dir, 'design');
  const recorder = recordSweeps(manager, () => undefined);
  const grid = { promptLength: '1', init: 'random-uniform', seeds: '1', textPrompt: 'Is this review positive?', shots: '2' };
  const planned = planSweep(base, grid, sweepDir, 's5', 'design');
  const design = queueSweepDesign(manager, grid, planned)!;
  manager.createSweep(planned);
  assert.equal(workers.length, 1, 'the evaluation does not run beside training');
  assert.deepEqual(workers[0]!.sent, [{ type: 'textPrompt', id: (workers[0]!.sent[0] as { id: number }).id, request: planned[0]!.request, text: 'Is this review positive?', shots: 2 }]);
  const id = (workers[0]!.sent[0] as { id: number }).id;
  const result = { text: 'Is this review positive?', shots: 2, metric: 0.625, n: 8, exampleInput: 'Is this review positive? ...' };
  workers[0]!.receive({ type: 'textPromptResult', id, result });
  assert.deepEqual(await design, result);
  assert.ok(workers[0]!.killed, 'its worker is ended once it answered');
  const file = join(sweepDir, 'sweep.json');
  const row = () => (JSON.parse(readFileSync(file, 'utf8')) as { textPrompt?: { text: string; shots: number; metric: number; n: number } }).textPrompt;
  assert.deepEqual(row(), result);
  assert.equal(workers.length, 2, 'then the first cell trains');
  assert.equal(workers[1]!.sent[0]!.type, 'start');
  train(workers[1]!, [0.5, 0.75]);
  assert.deepEqual(row(), { text: 'Is this review positive?', shots: 2, metric: 0.625, n: 8 }, 'kept when a finished cell rewrites sweep.json');
  const view = liveSweepView(sweepGroups(manager.list()).find((g) => g.id === 's5')!, (runId) => manager.history(runId));
  assert.deepEqual(view.textPrompt, { text: 'Is this review positive?', shots: 2, metric: 0.625, n: 8 });
  assert.deepEqual(fileSweepView(file).textPrompt, view.textPrompt);
  recorder.dispose();
});

test('a prompt design evaluation that fails rejects with the worker\'s message and the cells still train', async () => {
  const { manager, workers } = managerWithFakeWorkers();
  const grid = { promptLength: '1', init: 'random-uniform', seeds: '1', textPrompt: 'A very long text prompt', shots: '' };
  const planned = planSweep(base, grid, join(dir, 'design-error'), 's6', 'design-error');
  const design = queueSweepDesign(manager, grid, planned)!;
  const runs = manager.createSweep(planned);
  const id = (workers[0]!.sent[0] as { id: number }).id;
  workers[0]!.receive({ type: 'error', id, message: 'The text prompt takes 600 of the 512 input tokens.' });
  await assert.rejects(design, /The text prompt takes 600 of the 512 input tokens\./);
  assert.equal(manager.get(runs[0]!.id)!.status, 'training');
  assert.equal(workers[1]!.sent[0]!.type, 'start');
});
