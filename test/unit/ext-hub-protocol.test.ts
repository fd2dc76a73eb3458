// The worker -> host 'download' message: every DownloadEvent the real hub client emits (against the
// local fake hub) passes parseWorkerMessage unchanged; malformed ones are rejected with the field
// named. Also the host's 'cancelDownload' and the error's hub code.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubError, resolveModel, type DownloadEvent } from '../../src/core/hub';
import { parseHostMessage, parseWorkerMessage, ProtocolError } from '../../src/worker/protocol';
import { FakeHub, commitOf } from './hub-fake-hub';

const temp = mkdtempSync(join(tmpdir(), 'ext-hub-protocol-'));
let hub: FakeHub | undefined;
after(async () => {
  await hub?.close();
  rmSync(temp, { recursive: true, force: true });
});

// Only the file names matter to the download; the bytes need not make a loadable model.
const FILES = {
  'config.json': Buffer.from('{"model_type": "t5"}\n'),
  'model.safetensors': Buffer.alloc(300_000, 7),
  'spiece.model': Buffer.alloc(20_000, 3),
};

test('every event of a real download, a cache hit and a resumed download crosses the boundary unchanged', async () => {
  hub = await FakeHub.start([{ id: 'org/name', files: FILES }]);
  const env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: join(temp, 'cache'), HF_TOKEN: '' };
  const events: DownloadEvent[] = [];
  const onEvent = (e: DownloadEvent) => events.push(e);

  // A cancelled download (a 'file-start' and 'progress' first), then the resumed one, then a cache hit.
  hub.faults.slow = { file: 'model.safetensors', chunk: 8192, delayMs: 20 };
  const controller = new AbortController();
  const cancelled = resolveModel('org/name', {
    env,
    signal: controller.signal,
    onEvent: (e) => {
      onEvent(e);
      if (e.type === 'progress' && e.file === 'model.safetensors' && e.fileBytes > 0 && e.fileBytes < (e.fileSize ?? 0)) controller.abort();
    },
  });
  await assert.rejects(cancelled, (err: unknown) => err instanceof HubError && err.code === 'cancelled');
  hub.faults = {};
  await resolveModel('org/name', { env, onEvent, retryDelayMs: 1 });
  await resolveModel('org/name', { env, onEvent });

  const types = new Set(events.map((e) => e.type));
  for (const type of ['plan', 'file-start', 'progress', 'file-done', 'done', 'cache-hit'] as const) assert.ok(types.has(type), `the download emitted a ${type} event`);
  assert.ok(events.some((e) => e.type === 'file-start' && e.resumeFrom > 0), 'the second download resumed the partial file');
  for (const event of events) assert.deepEqual(parseWorkerMessage({ type: 'download', event }), { type: 'download', event });
  const plan = events.find((e) => e.type === 'plan');
  assert.equal(plan?.type === 'plan' && plan.commit, commitOf('org/name'));
});

test('malformed download events are rejected with the field named', () => {
  const progress = { type: 'progress', file: 'model.safetensors', fileBytes: 5, fileSize: 10, bytes: 5, totalBytes: 10, bytesPerSecond: 1, etaSeconds: null };
  assert.deepEqual(parseWorkerMessage({ type: 'download', event: progress }).type, 'download');
  const bad = (event: unknown) => () => parseWorkerMessage({ type: 'download', event });
  assert.throws(bad({ ...progress, totalBytes: '10' }), /worker message download: "event\.totalBytes" must be a number \(got "10"\)$/);
  assert.throws(bad({ ...progress, etaSeconds: undefined }), /"event\.etaSeconds" must be a number \(got undefined\)/);
  assert.throws(bad({ ...progress, file: 3 }), /"event\.file" must be a string/);
  assert.throws(bad({ type: 'plan', repo: 'o/n', revision: 'main', commit: 'c', downloadBytes: 1, files: [{ file: 'a', size: 1 }] }), /"event\.files\[0\]\.cached" is required/);
  assert.throws(bad({ type: 'plan', repo: 'o/n', revision: 'main', commit: 'c', downloadBytes: 1 }), /"event\.files" is required/);
  assert.throws(bad({ type: 'done', repo: 'o/n', revision: 'main', commit: 'c', dir: '/d', fromCache: 'no', downloadedBytes: 0, seconds: 1 }), /"event\.fromCache" must be true or false/);
  assert.throws(bad({ type: 'retry', file: 'f', attempt: 1, resumeFrom: 0 }), /"event\.reason" is required/);
  assert.throws(bad({ type: 'note' }), /"event\.message" is required/);
  assert.throws(bad({ type: 'unzip' }), /"event\.type" must be one of cache-hit, plan, .* \(got "unzip"\)/);
  assert.throws(bad(null), ProtocolError);
});

test('cancelDownload reaches the worker; an error keeps its hub code for the host', () => {
  assert.deepEqual(parseHostMessage({ type: 'cancelDownload' }), { type: 'cancelDownload' });
  assert.deepEqual(parseWorkerMessage({ type: 'error', id: 1, message: 'Download cancelled', code: 'cancelled' }), { type: 'error', id: 1, message: 'Download cancelled', code: 'cancelled' });
  assert.throws(() => parseWorkerMessage({ type: 'error', id: 2, message: 'gated', code: 7 }), /"code" must be a string \(got 7\)/);
});
