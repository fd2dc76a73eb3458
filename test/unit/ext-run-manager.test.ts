// The extension host's run manager without VS Code: one run trains at a time and the rest queue;
// graceful stop; a crashed worker reported with its last output; resume from the last checkpoint;
// the event history kept for replay; runs of an earlier session restored as stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managerWithFakeWorkers } from '../support/fake-worker';
import { RunManager } from '../../src/extension/runs/run-manager';
import type { RunSummary } from '../../webview/protocol';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import type { RunRequest, TrainEvent } from '../../src/worker/protocol';

const setup = () => managerWithFakeWorkers(3);

const request = (out: string): RunRequest => resolveRunSettings({ model: '/m/tiny', train: '/d/train.jsonl', out, steps: 100 });

const started = (resumedFromStep?: number): TrainEvent => ({
  type: 'started', runDir: '/o', backend: 'cpu', model: '/m/tiny', totalSteps: 100, promptLength: 5, dModel: 32,
  trainExamples: 90, validExamples: 10, validFromTrain: true, skippedLines: 0, truncatedInputs: 0, labels: ['no', 'yes'],
  ...(resumedFromStep !== undefined ? { resumedFromStep } : {}),
});
const step = (n: number, loss = 1): TrainEvent => ({ type: 'step', step: n, totalSteps: 100, epoch: 1, loss, learningRate: 0.3, examplesPerSecond: 10, etaSeconds: 5, memoryMB: 100 });
const evalAt = (n: number, rank: number, best: boolean): TrainEvent => ({ type: 'eval', step: n, exactMatch: 0, rankAccuracy: rank, metric: 'rank', score: rank, validLoss: 2, best, insights: [] });
const checkpoint = (n: number): TrainEvent => ({ type: 'checkpoint', step: n, dir: '/o/a/checkpoint', reason: 'interval' });
const done = (status: 'completed' | 'stopped', n: number): TrainEvent => ({ type: 'done', status, step: n, promptDir: '/o/a/prompt', message: `${status} at ${n}` });

test('one run trains at a time; the next starts when it finishes', () => {
  const { manager, workers } = setup();
  const a = manager.create(request('/o/a'), 'a');
  const b = manager.create(request('/o/b'), 'b');
  assert.equal(workers.length, 1, 'only the first run gets a worker');
  assert.equal(manager.get(a.id)?.status, 'training');
  assert.equal(manager.get(b.id)?.status, 'queued');
  assert.equal(manager.queuePosition(b.id), 1);
  assert.deepEqual(workers[0]!.sent, [{ type: 'start', id: 1, request: request('/o/a') }]);

  workers[0]!.event(started());
  workers[0]!.event(step(1, 3.5));
  workers[0]!.event(evalAt(1, 0.4, true));
  workers[0]!.event(evalAt(2, 0.3, false));
  workers[0]!.event(done('completed', 2));
  workers[0]!.exited(0);
  const summary = manager.get(a.id) as RunSummary;
  assert.equal(summary.status, 'completed');
  assert.equal(summary.loss, 3.5);
  assert.equal(summary.bestMetric, 0.4);
  assert.equal(summary.bestStep, 1);
  assert.equal(summary.promptDir, '/o/a/prompt');
  assert.equal(manager.history(a.id).length, 5);
  assert.equal(workers.length, 2, 'the queued run started');
  assert.equal(manager.get(b.id)?.status, 'training');
  assert.equal(manager.activeRunId, b.id);
});

test('stop is graceful: the worker is asked, and the run is stopped once it says done', () => {
  const { manager, workers } = setup();
  const a = manager.create(request('/o/a'), 'a');
  workers[0]!.event(started());
  workers[0]!.event(checkpoint(10));
  manager.stop(a.id);
  assert.equal(manager.get(a.id)?.status, 'stopping');
  assert.deepEqual(workers[0]!.sent.at(-1), { type: 'stop' });
  manager.stop(a.id);
  assert.equal(workers[0]!.sent.filter((m) => m.type === 'stop').length, 1, 'a second stop is not sent again');
  workers[0]!.event(done('stopped', 12));
  workers[0]!.exited(0);
  assert.equal(manager.get(a.id)?.status, 'stopped');
  assert.match(manager.get(a.id)?.message ?? '', /Resume continues/);
  assert.equal(workers[0]!.killed, false);
});

test('a queued run leaves the queue when stopped', () => {
  const { manager, workers } = setup();
  manager.create(request('/o/a'), 'a');
  const b = manager.create(request('/o/b'), 'b');
  manager.stop(b.id);
  assert.equal(manager.get(b.id)?.status, 'stopped');
  workers[0]!.event(done('completed', 100));
  workers[0]!.exited(0);
  assert.equal(workers.length, 1, 'the stopped run does not start');
});

test('a worker that dies without done is a crash, reported with its last lines; resume continues from the checkpoint', () => {
  const { manager, workers } = setup();
  const a = manager.create(request('/o/a'), 'a');
  workers[0]!.event(started());
  workers[0]!.event(checkpoint(40));
  workers[0]!.print('line 1\nline 2\nline 3\npartial');
  workers[0]!.print(' line 4\n');
  workers[0]!.exited(null, 'SIGKILL');
  const crashed = manager.get(a.id) as RunSummary;
  assert.equal(crashed.status, 'crashed');
  assert.deepEqual(crashed.lastOutput, ['line 2', 'line 3', 'partial line 4'], 'the last 3 lines (capacity) are kept');
  assert.match(crashed.message ?? '', /killed \(SIGKILL\).*step 40.*Resume/);
  assert.equal(manager.canResume(a.id), true);

  manager.resume(a.id);
  assert.equal(workers.length, 2);
  const start = workers[1]!.sent[0];
  assert.ok(start?.type === 'start');
  assert.equal(start.request.resume, '/o/a/checkpoint');
  assert.equal(manager.get(a.id)?.lastOutput, undefined);
  workers[1]!.event(started(40));
  assert.equal(manager.get(a.id)?.step, 40);
});

test('an error from the worker fails the run with its message', () => {
  const { manager, workers } = setup();
  const a = manager.create(request('/o/a'), 'a');
  workers[0]!.error('/d/train.jsonl line 3: "label" is missing');
  workers[0]!.exited(1);
  assert.equal(manager.get(a.id)?.status, 'failed');
  assert.equal(manager.get(a.id)?.message, '/d/train.jsonl line 3: "label" is missing');
});

test('a run that cannot be launched fails and the queue goes on', () => {
  let calls = 0;
  const manager = new RunManager(() => {
    calls++;
    throw new Error('spawn ENOENT');
  }, { checkTrust: () => undefined });
  const a = manager.create(request('/o/a'), 'a');
  assert.equal(manager.get(a.id)?.status, 'failed');
  assert.match(manager.get(a.id)?.message ?? '', /ENOENT/);
  assert.equal(manager.activeRunId, undefined);
  manager.create(request('/o/b'), 'b');
  assert.equal(calls, 2);
});

test('only stopped, failed or crashed runs resume; a training run cannot be removed', () => {
  const { manager } = setup();
  const a = manager.create(request('/o/a'), 'a');
  assert.throws(() => manager.resume(a.id), /only stopped, failed or crashed/);
  assert.throws(() => manager.remove(a.id), /Stop the run/);
});

test('change and event listeners fire; removed runs are announced', () => {
  const { manager, workers } = setup();
  const changes: string[] = [];
  const events: string[] = [];
  manager.onDidChange.on((r) => changes.push(r.status));
  manager.onDidEvent.on((_id, e) => events.push(e.type));
  const a = manager.create(request('/o/a'), 'a');
  workers[0]!.event(step(1));
  workers[0]!.event(done('completed', 1));
  workers[0]!.exited(0);
  assert.deepEqual(events, ['step', 'done']);
  assert.equal(changes.at(-1), 'completed');
  const removed: string[] = [];
  manager.onDidRemove.on((id) => removed.push(id));
  manager.remove(a.id);
  assert.deepEqual(removed, [a.id]);
  assert.equal(manager.list().length, 0);
});

test('runs of an earlier session come back; those that were training are stopped and resumable', () => {
  const { manager, workers } = setup();
  const old: RunSummary[] = [
    { id: 'r1', name: 'one', status: 'training', request: request('/o/1'), step: 30, totalSteps: 100, checkpointDir: '/o/1/checkpoint', etaSeconds: 9 },
    { id: 'r2', name: 'two', status: 'completed', request: request('/o/2'), step: 100, totalSteps: 100, bestMetric: 0.9 },
  ];
  assert.deepEqual(manager.restore(old), []);
  assert.equal(workers.length, 0, 'nothing starts by itself');
  assert.equal(manager.get('r1')?.status, 'stopped');
  assert.equal(manager.get('r1')?.etaSeconds, undefined);
  assert.match(manager.get('r1')?.message ?? '', /last checkpoint/);
  assert.equal(manager.get('r2')?.status, 'completed');
  manager.resume('r1');
  const start = workers[0]!.sent[0];
  assert.ok(start?.type === 'start');
  assert.equal(start.request.resume, '/o/1/checkpoint');
});

test('saved runs are checked: an older one gets the defaults of settings added since; a damaged one is dropped, named', () => {
  const { manager } = setup();
  const older = { id: 'r1', name: 'one', status: 'completed', request: { model: '/m', train: '/d.jsonl', out: '/o/1', init: 'class-labels' }, step: 10, totalSteps: 10 };
  const damaged = { id: 'r2', name: 'two', status: 'exploded', request: { model: '/m' }, step: 1, totalSteps: 10 };
  const problems = manager.restore([older, damaged]);
  assert.equal(manager.get('r1')?.request.batchSize, 32);
  assert.deepEqual(manager.get('r1')?.request.init, { kind: 'class-labels' });
  assert.equal(manager.get('r2'), undefined);
  assert.ok(problems.some((p) => /^saved run 2: "status" must be one of queued, .* \(got "exploded"\)$/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /^saved run 2: "request.train" is required$/.test(p)), problems.join('\n'));
});

test('a worker message that answers another request is not taken for the run\'s', () => {
  const { manager, workers } = setup();
  const a = manager.create(request('/o/a'), 'a');
  const output: string[] = [];
  manager.onDidOutput.on((_id, line) => output.push(line));
  workers[0]!.receive({ type: 'error', id: 99, message: 'not yours' });
  workers[0]!.receive({ type: 'event', id: 99, event: step(5) });
  assert.equal(manager.get(a.id)?.status, 'training');
  assert.equal(manager.get(a.id)?.step, 0);
  assert.equal(output.length, 2);
});

test('a text prompt evaluation waits its turn behind training, gets a worker of its own, and fails with a clear message when its worker dies', async () => {
  const { manager, workers } = setup();
  manager.create(request('/o/a'), 'a');
  const evaluation = manager.evaluateTextPrompt(request('/o/b'), 'Is it positive?', 0);
  const b = manager.create(request('/o/c'), 'c');
  assert.equal(workers.length, 1, 'nothing runs beside the training run');
  workers[0]!.event(done('completed', 100));
  workers[0]!.exited(0);
  assert.equal(workers.length, 2);
  assert.deepEqual(workers[1]!.sent, [{ type: 'textPrompt', id: 2, request: request('/o/b'), text: 'Is it positive?', shots: 0 }]);
  assert.equal(manager.get(b.id)?.status, 'queued', 'the next run waits for the evaluation');
  workers[1]!.exited(null, 'SIGKILL');
  await assert.rejects(evaluation, /^Error: The worker was killed \(SIGKILL\) before it answered\.$/);
  assert.equal(manager.get(b.id)?.status, 'training', 'the queue goes on');
});
