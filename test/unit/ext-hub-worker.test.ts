// The training worker with a hub id as its model, end to end against the local fake hub (127.0.0.1
// only; HF_HUB_CACHE in a temp folder): 'download' messages arrive before the trainer's events; a
// stop mid-download ends the worker with a 'cancelled' error and leaves the partial blob, which the
// next run resumes and then trains; try requests reuse the cache, and cancelDownload aborts only the
// download in progress (the worker goes on answering).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { parseWorkerMessage, type DownloadEvent, type HostToWorker, type WorkerToHost } from '../../src/worker/protocol';
import { FakeHub } from './hub-fake-hub';
import { SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';

const WORKER = join(__dirname, '..', '..', 'src', 'worker', 'worker.ts');
const temp = mkdtempSync(join(tmpdir(), 'ext-hub-worker-'));
const cacheDir = join(temp, 'hub-cache');
let hub: FakeHub | undefined;

before(async () => {
  if (SKIP_NO_SHARED) return;
  // A random d_model-32 T5 with T5's real vocabulary and spiece.model (about 8 MB of weights).
  const tiny = tinyModelDir();
  const files = Object.fromEntries(['config.json', 'model.safetensors', 'spiece.model'].map((f) => [f, readFileSync(join(tiny, f))]));
  hub = await FakeHub.start([
    { id: 'org/tiny', files },
    { id: 'org/tiny-copy', files },
  ]);
});

after(async () => {
  await hub?.close();
  rmSync(temp, { recursive: true, force: true });
});

/** A forked worker (run through tsx, as the tests run the sources) and every message it sent. */
class Worker {
  readonly child: ChildProcess;
  readonly messages: WorkerToHost[] = [];
  readonly exited: Promise<number | null>;
  private stderr = '';
  private waiters: { check: (m: WorkerToHost) => boolean; resolve: (m: WorkerToHost) => void }[] = [];

  constructor(endpoint: string) {
    const env: NodeJS.ProcessEnv = { ...process.env, HF_ENDPOINT: endpoint, HF_HUB_CACHE: cacheDir, HF_TOKEN: '', HF_HUB_OFFLINE: '', HF_HUB_DOWNLOAD_TIMEOUT: '20' };
    this.child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-2000)));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.child.on('message', (raw: unknown) => {
      const m = parseWorkerMessage(raw); // what the host does: a malformed message fails the test
      this.messages.push(m);
      const ready = this.waiters.filter((w) => w.check(m));
      this.waiters = this.waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve(m);
    });
  }

  send(message: HostToWorker): void {
    this.child.send(message);
  }

  next(check: (m: WorkerToHost) => boolean, what: string, timeoutMs = 120_000): Promise<WorkerToHost> {
    const seen = this.messages.find(check);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(', ')}\n${this.stderr}`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  downloads(): DownloadEvent[] {
    return this.messages.flatMap((m) => (m.type === 'download' ? [m.event] : []));
  }
}

function trainingData(): string {
  const words = ['red', 'blue', 'cat', 'dog', 'tree', 'house', 'river', 'song'];
  const lines = Array.from({ length: 16 }, (_, i) => JSON.stringify({ text: `${words[i % 8]} ${i % 2 === 0 ? 'apple' : words[(i * 5) % 8]}`, label: i % 2 === 0 ? 'yes' : 'no' }));
  const file = join(temp, 'train.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const incomplete = (repo: string) => {
  try {
    return readdirSync(join(cacheDir, `models--${repo.replace('/', '--')}`, 'blobs')).filter((f) => f.endsWith('.incomplete'));
  } catch {
    return [];
  }
};

test('training with --model org/name: stop mid-download keeps the partial blob; the next run resumes it and trains', { skip: SKIP_NO_SHARED, timeout: 300_000 }, async () => {
  assert.ok(hub);
  const request = resolveRunSettings({ model: 'org/tiny', train: trainingData(), out: join(temp, 'run'), steps: 2, evalEvery: 2, batchSize: 4, promptLength: 4, maxInputLength: 32, backend: 'cpu' });

  hub.faults.slow = { file: 'model.safetensors', chunk: 65_536, delayMs: 20 };
  const first = new Worker(hub.endpoint);
  first.send({ type: 'start', id: 1, request });
  await first.next((m) => m.type === 'download' && m.event.type === 'progress' && m.event.file === 'model.safetensors' && m.event.fileBytes > 0, 'model.safetensors progress');
  first.send({ type: 'stop' });
  const error = await first.next((m) => m.type === 'error', 'the cancelled error');
  assert.deepEqual(error.type === 'error' && [error.code, error.id], ['cancelled', 1], 'the run\'s start request is answered by the error');
  await first.exited;
  assert.equal(first.messages.filter((m) => m.type === 'event').length, 0, 'the trainer never started');
  assert.equal(incomplete('org/tiny').length, 1, 'the partial blob is kept');

  hub.faults = {};
  const second = new Worker(hub.endpoint);
  second.send({ type: 'start', id: 1, request });
  const done = await second.next((m) => m.type === 'error' || (m.type === 'event' && m.event.type === 'done'), 'the done event', 240_000);
  assert.ok(done.type === 'event' && done.event.type === 'done' && done.event.status === 'completed', JSON.stringify(done));
  assert.equal(await second.exited, 0);
  const resumed = second.downloads().find((e) => e.type === 'file-start' && e.file === 'model.safetensors');
  assert.ok(resumed?.type === 'file-start' && resumed.resumeFrom > 0, 'the download resumed from the partial blob');
  const kinds = second.messages.map((m) => (m.type === 'event' ? m.event.type : m.type));
  assert.ok(kinds.lastIndexOf('download') < kinds.indexOf('started'), 'every download message comes before the trainer starts');
  assert.deepEqual(incomplete('org/tiny'), []);
});

test('try requests: a cached model is a cache hit; cancelDownload aborts only the download in progress', { skip: SKIP_NO_SHARED, timeout: 300_000 }, async () => {
  assert.ok(hub);
  const worker = new Worker(hub.endpoint);
  try {
    // org/tiny-copy downloads slowly: cancel it; the request fails with the hub's 'cancelled'.
    hub.faults.slow = { file: 'model.safetensors', chunk: 65_536, delayMs: 20 };
    worker.send({ type: 'try', id: 1, request: { model: 'org/tiny-copy', prompts: [], ensemble: false, inputs: ['red apple'], includeBare: true, backend: 'cpu' } });
    await worker.next((m) => m.type === 'download' && m.event.type === 'progress' && m.event.file === 'model.safetensors' && m.event.fileBytes > 0, 'model.safetensors progress');
    worker.send({ type: 'cancelDownload' });
    const cancelled = await worker.next((m) => m.type === 'error' && m.id === 1, 'the cancelled reply');
    assert.equal(cancelled.type === 'error' && cancelled.code, 'cancelled');
    assert.equal(incomplete('org/tiny-copy').length, 1);

    // The same worker still answers: org/tiny (cached by the test above, or downloaded now) runs.
    hub.faults = {};
    worker.send({ type: 'try', id: 2, request: { model: 'org/tiny', prompts: [], ensemble: false, inputs: ['red apple'], includeBare: true, backend: 'cpu' } });
    const reply = await worker.next((m) => (m.type === 'tryResult' || m.type === 'error') && m.id === 2, 'the try reply');
    assert.equal(reply.type, 'tryResult', reply.type === 'error' ? reply.message : '');
    assert.ok(reply.type === 'tryResult' && typeof reply.results[0]?.bare === 'string');
    assert.ok(worker.downloads().some((e) => e.type === 'done' && e.repo === 'org/tiny'), 'org/tiny was resolved through the hub client');
  } finally {
    worker.child.kill();
    await worker.exited;
  }
});
