// The host's side of a model download, without VS Code: a run says "downloading <model> · n%" until
// training starts, logs the milestones, and a stop during the download leaves it stopped (resumable)
// rather than failed; the notification's increments add up to the whole bar; the prompt worker
// service forwards download events and cancels them; the output lines never carry the token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managerWithFakeWorkers, FakeWorker } from '../support/fake-worker';
import { WorkerService } from '../../src/extension/runs/worker-service';
import { DownloadMeter, describeDownloadEvent, needsDownload, progressMessage, withoutToken } from '../../src/extension/runs/download-progress';
import { describeRun } from '../../src/extension/views/format';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import type { DownloadEvent, TrainEvent } from '../../src/worker/protocol';


const COMMIT = 'a'.repeat(40);
const MB = 1_000_000;
const plan = (cached = false): DownloadEvent => ({
  type: 'plan', repo: 'google/t5-small-lm-adapt', revision: 'main', commit: COMMIT, downloadBytes: cached ? 0 : 300 * MB,
  files: [{ file: 'config.json', size: 1000, cached }, { file: 'model.safetensors', size: 300 * MB - 1000, cached }],
});
type ProgressEvent = Extract<DownloadEvent, { type: 'progress' }>;
const progress = (bytes: number, etaSeconds: number | null = 30): ProgressEvent => ({
  type: 'progress', file: 'model.safetensors', fileBytes: bytes, fileSize: 300 * MB, bytes, totalBytes: 300 * MB, bytesPerSecond: 5 * MB, etaSeconds,
});
const done: DownloadEvent = { type: 'done', repo: 'google/t5-small-lm-adapt', revision: 'main', commit: COMMIT, dir: '/cache/snap', fromCache: false, downloadedBytes: 300 * MB, seconds: 61 };
const started: TrainEvent = {
  type: 'started', runDir: '/o', backend: 'cpu', model: 'google/t5-small-lm-adapt', totalSteps: 100, promptLength: 5, dModel: 512,
  trainExamples: 90, validExamples: 10, validFromTrain: true, skippedLines: 0, truncatedInputs: 0,
};

const setup = () => managerWithFakeWorkers();

test('a run shows "downloading <model> · n%" until training starts, and logs the milestones', () => {
  const { manager, workers } = setup();
  const run = manager.create(resolveRunSettings({ model: 'google/t5-small-lm-adapt', train: '/d.jsonl', out: '/o/a', steps: 100 }), 'a');
  const downloads: DownloadEvent[] = [];
  const logs: TrainEvent[] = [];
  let changes = 0;
  manager.onDidDownload.on((id, e) => id === run.id && downloads.push(e));
  manager.onDidEvent.on((_, e) => logs.push(e));
  manager.onDidChange.on(() => changes++);
  const w = workers[0];

  w.download(plan());
  assert.equal(manager.get(run.id)?.activity, 'downloading google/t5-small-lm-adapt (300.0 MB)');
  w.download(progress(0));
  w.download(progress(135 * MB));
  assert.equal(manager.get(run.id)?.activity, 'downloading google/t5-small-lm-adapt · 45%');
  assert.equal(describeRun(manager.get(run.id)!), 'training · downloading google/t5-small-lm-adapt · 45%');
  const before = changes;
  w.download(progress(135 * MB + 10));
  assert.equal(changes, before, 'a progress tick that does not change the text redraws nothing');
  w.download({ type: 'retry', file: 'model.safetensors', attempt: 1, reason: 'ECONNRESET', resumeFrom: 135 * MB });
  w.download(done);
  assert.equal(manager.get(run.id)?.activity, undefined);
  assert.equal(downloads.length, 6, 'every download event reaches the listeners (the notification)');
  assert.deepEqual(
    logs.map((e) => (e.type === 'log' ? `${e.level}: ${e.message}` : e.type)),
    [
      'info: Downloading google/t5-small-lm-adapt (commit aaaaaaaaaa): 2 file(s), 300.0 MB.',
      'warn: model.safetensors: connection lost (ECONNRESET); retry 1 from 135.0 MB.',
      'info: Downloaded google/t5-small-lm-adapt (300.0 MB in 1m 01s) to /cache/snap.',
    ],
  );
  assert.deepEqual(manager.history(run.id), logs, 'the milestones are replayed to a reopened panel');
  w.event(started);
  assert.equal(describeRun(manager.get(run.id)!), 'training · step 0/100');
});

test('a model found in the cache shows no download', () => {
  const { manager, workers } = setup();
  const run = manager.create(resolveRunSettings({ model: 'org/name', train: '/d.jsonl', out: '/o/a' }), 'a');
  workers[0].download({ type: 'cache-hit', repo: 'org/name', revision: 'main', commit: COMMIT, dir: '/c' });
  workers[0].download({ ...done, repo: 'org/name', fromCache: true, downloadedBytes: 0 });
  assert.equal(manager.get(run.id)?.activity, undefined);
  assert.equal(needsDownload(plan(true)), false);
  assert.equal(needsDownload(plan()), true);
});

test('stop during the download: the worker is asked, the run ends stopped and resumes (the partial file is reused)', () => {
  const { manager, workers } = setup();
  const run = manager.create(resolveRunSettings({ model: 'google/t5-small-lm-adapt', train: '/d.jsonl', out: '/o/a' }), 'a');
  workers[0].download(plan());
  workers[0].download(progress(30 * MB));
  manager.stop(run.id);
  assert.deepEqual(workers[0].sent.at(-1), { type: 'stop' });
  workers[0].receive({ type: 'error', id: workers[0].runRequestId, message: 'Download cancelled; the partial file is kept and the next download resumes it.', code: 'cancelled' });
  workers[0].exited(1);
  const stopped = manager.get(run.id)!;
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.message, 'Stopped while downloading google/t5-small-lm-adapt. The partial download is kept: Resume continues it.');
  assert.equal(stopped.activity, undefined);
  assert.ok(manager.canResume(run.id));
  manager.resume(run.id);
  assert.deepEqual(workers[1].sent[0], { type: 'start', id: 2, request: { ...resolveRunSettings({ model: 'google/t5-small-lm-adapt', train: '/d.jsonl', out: '/o/a' }), resume: undefined } });

  // Any other download failure fails the run with the hub client's message.
  workers[1].receive({ type: 'error', id: workers[1].runRequestId, message: 'google/x is gated: accept its license and set HF_TOKEN.', code: 'gated' });
  assert.equal(manager.get(run.id)?.status, 'failed');
  assert.match(manager.get(run.id)?.message ?? '', /gated/);
});

test('the notification: increments add up to 100%, a log line every tenth, file · bytes · speed · time left', () => {
  const meter = new DownloadMeter();
  let total = 0;
  const lines: string[] = [];
  for (const bytes of [0, 10 * MB, 29 * MB, 31 * MB, 31 * MB, 150 * MB, 299 * MB, 300 * MB]) {
    const u = meter.update(progress(bytes, bytes === 300 * MB ? 0 : 54));
    assert.ok(u.increment >= 0);
    total += u.increment;
    if (u.logLine) lines.push(u.logLine);
  }
  assert.ok(Math.abs(total - 100) < 1e-9, `increments sum to ${total}`);
  assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['10%', '50%', '99%', '100%']);
  assert.equal(progressMessage(progress(150 * MB, 125)), 'model.safetensors: 150.0 MB / 300.0 MB · 5.0 MB/s · 2m 05s left');
  assert.equal(progressMessage({ ...progress(0, null), bytesPerSecond: 0 }), 'model.safetensors: 0 B / 300.0 MB');
});

test('output lines: resumes and notes are described; the token never shows', () => {
  assert.equal(describeDownloadEvent({ type: 'file-start', file: 'model.safetensors', size: 300 * MB, resumeFrom: 30 * MB }), 'model.safetensors: resuming at 30.0 MB of 300.0 MB.');
  assert.equal(describeDownloadEvent({ type: 'file-start', file: 'model.safetensors', size: 300 * MB, resumeFrom: 0 }), undefined);
  assert.equal(describeDownloadEvent(progress(1)), undefined);
  assert.equal(describeDownloadEvent({ type: 'cache-hit', repo: 'org/n', revision: 'v1', commit: COMMIT, dir: '/c' }), 'Using org/n@v1 from the Hugging Face cache (commit aaaaaaaaaa).');
  assert.equal(withoutToken('GET https://hub/?t=hf_secret123 failed', { HF_TOKEN: 'hf_secret123' }), 'GET https://hub/?t=*** failed');
  assert.equal(withoutToken('nothing to hide', {}), 'nothing to hide');
  const saved = process.env.HF_TOKEN;
  process.env.HF_TOKEN = 'hf_abcdef';
  try {
    assert.equal(describeDownloadEvent({ type: 'note', message: 'mirror said hf_abcdef is wrong' }), 'mirror said *** is wrong');
  } finally {
    if (saved === undefined) delete process.env.HF_TOKEN;
    else process.env.HF_TOKEN = saved;
  }
});

test('the prompt worker service forwards download events, cancels downloads and says when requests settle', async () => {
  const workers: FakeWorker[] = [];
  const service = new WorkerService(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w;
  }, () => undefined, () => undefined);
  const events: DownloadEvent[] = [];
  let settled = 0;
  service.onDidDownload.on((e) => events.push(e));
  service.onDidSettle.on(() => settled++);
  const reply = service.try({ model: 'org/name', prompts: [], ensemble: false, inputs: ['x'] });
  const w = workers[0];
  w.download(plan());
  w.download(progress(MB));
  assert.deepEqual(events.map((e) => e.type), ['plan', 'progress']);
  service.cancelDownload();
  assert.deepEqual(w.sent.at(-1), { type: 'cancelDownload' });
  const request = w.sent[0];
  assert.equal(request.type, 'try');
  w.receive({ type: 'error', id: request.type === 'try' ? request.id : -1, message: 'Download cancelled; the partial file is kept and the next download resumes it.', code: 'cancelled' });
  await assert.rejects(reply, /Download cancelled/);
  assert.equal(settled, 1);
  service.dispose();
});
