// The extension host's side of the native backend, without VS Code: the check in a fresh worker
// (answered, failed, crashed, timed out; the worker always ends), the install status the panel and
// the status bar show, the hint on wasm/cpu runs, the new protocol messages — and the real worker
// loading TensorFlow.js from an install folder given in PROMPT_TUNER_NATIVE_DIR.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkInFreshWorker } from '../../src/extension/native/check-in-worker';
import { nativeWorkerEnv, readNativeStatus } from '../../src/extension/native/native-status';
import { trainingStatusText, trainingStatusTooltip } from '../../src/extension/views/status-text';
import type { RunSummary } from '../../webview/protocol';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { installNativeBackend } from '../../src/core/native/installer';
import { writeActiveRecord, type BackendCheck } from '../../src/core/native/install-record';
import { parseHostMessage, parseWorkerMessage, ProtocolError, type WorkerToHost } from '../../src/worker/protocol';
import { parseWebviewMessage } from '../../webview/protocol';
import { nativeHintText } from '../../webview/native-hint';
import { FakeWorker } from '../support/fake-worker';
import { writeFakeNpm } from '../support/fake-native';
import { REPO_ROOT } from '../support/shared';

const dir = mkdtempSync(join(tmpdir(), 'pt-ext-native-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CHECK: BackendCheck = { backend: 'node', tfBackend: 'tensorflow', tfVersion: '2.21.0', gpu: false, gflops: 131.4, matmul: '1024x512 @ 512x2048', source: '/x', loadSeconds: 0.5 };

test('the check runs in a fresh worker, which is ended once it answers', async () => {
  const worker = new FakeWorker();
  const pending = checkInFreshWorker(() => worker, 'node');
  assert.deepEqual(worker.sent, [{ type: 'checkBackend', id: 1, backend: 'node' }]);
  worker.receive({ type: 'backendCheck', id: 1, check: CHECK });
  assert.deepEqual(await pending, CHECK);
  assert.equal(worker.killed, true);
});

test('a failed check gives the worker’s message; a crash gives its last output; a hang times out', async () => {
  const failing = new FakeWorker();
  const failed = checkInFreshWorker(() => failing, 'node');
  failing.receive({ type: 'error', id: 1, message: 'The node backend could not be loaded: libtensorflow.so.2: cannot open shared object file' });
  await assert.rejects(failed, /could not be loaded: libtensorflow\.so\.2/);
  assert.equal(failing.killed, true);

  const crashing = new FakeWorker();
  const crashed = checkInFreshWorker(() => crashing, 'node');
  crashing.print('2026-11-30 I tensorflow/core/platform/cpu_feature_guard.cc\nIllegal instruction (core dumped)\n');
  crashing.exited(null, 'SIGILL');
  await assert.rejects(crashed, /the worker was killed \(SIGILL\) while loading the backend\n.*\nIllegal instruction/);

  const hanging = new FakeWorker();
  await assert.rejects(checkInFreshWorker(() => hanging, 'node', 50), /did not finish within 0 s/);
  assert.equal(hanging.killed, true);
});

test('the install status: none, ready with its speed, outdated, damaged', () => {
  const root = join(dir, 'status');
  assert.deepEqual(readNativeStatus(root, '4.22.0'), { state: 'none', summary: 'Not set up: training runs on WebAssembly (wasm).' });
  const folder = join(root, 'cpu-4.22.0-20261130T000000000');
  mkdirSync(join(folder, 'node_modules', '@tensorflow', 'tfjs-core'), { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'prompt-tuner-native' }));
  writeFileSync(join(folder, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json'), JSON.stringify({ version: '4.22.0' }));
  writeActiveRecord(root, { format: 1, folder: 'cpu-4.22.0-20261130T000000000', variant: 'cpu', package: '@tensorflow/tfjs-node', version: '4.22.0', installedAt: '2026-11-30T00:00:00Z', check: CHECK });
  const ready = readNativeStatus(root, '4.22.0');
  assert.equal(ready.state, 'ready');
  assert.equal(ready.summary, '@tensorflow/tfjs-node 4.22.0: tensorflow (TensorFlow 2.21.0 on the CPU): 131 GFLOP/s on a 1024x512 @ 512x2048 matmul.');
  const outdated = readNativeStatus(root, '4.23.0');
  assert.equal(outdated.state, 'outdated');
  assert.match(outdated.summary, /TensorFlow\.js 4\.22\.0; this Prompt Tuner uses 4\.23\.0: set it up again/);
  writeFileSync(join(root, 'active.json'), '{');
  assert.equal(readNativeStatus(root, '4.22.0').state, 'damaged');
  assert.deepEqual(nativeWorkerEnv(root), { PROMPT_TUNER_NATIVE_DIR: root });
});

const run = (backend: string | undefined): RunSummary => ({
  id: 'r', name: 'keywords-1', status: 'training', request: resolveRunSettings({ model: 'm', train: 't', out: 'o' }), step: 12, totalSteps: 100, loss: 2.5, etaSeconds: 90, backend,
});

test('the status bar names the backend; its tooltip points to the setup only on wasm/cpu without a native install', () => {
  assert.equal(trainingStatusText(run('node'), 0), 'step 12/100 · loss 2.500 · ETA 1m 30s · tensorflow');
  assert.equal(trainingStatusText(run('node-gpu'), 1), 'step 12/100 · loss 2.500 · ETA 1m 30s · tensorflow GPU · +1 queued');
  assert.match(trainingStatusText(run('wasm'), 0), / · wasm$/);
  assert.match(trainingStatusTooltip(run('wasm'), false), /on wasm \(WebAssembly\)\. Click to open the panel\.\nFaster: run "Prompt Tuning: Set Up Native Backend"/);
  assert.doesNotMatch(trainingStatusTooltip(run('wasm'), true), /Set Up Native Backend/);
  assert.doesNotMatch(trainingStatusTooltip(run('node'), false), /Set Up Native Backend/);
});

test('the panel hint: on wasm or cpu until a native install is ready', () => {
  const none = { state: 'none' as const, summary: 'Not set up' };
  assert.match(nativeHintText('wasm', none) ?? '', /^This run trains on wasm \(WebAssembly\)\. TensorFlow’s native backend is usually several times faster/);
  assert.match(nativeHintText('cpu', none) ?? '', /^This run trains on cpu \(plain JavaScript\)/);
  assert.equal(nativeHintText('node', none), undefined);
  assert.equal(nativeHintText('wasm', { state: 'ready', summary: 'ok' }), undefined);
  assert.equal(nativeHintText(undefined, none), undefined, 'nothing before the run says its backend');
  assert.equal(nativeHintText('wasm', { state: 'outdated', summary: 'Set it up again.' }), 'This run trains on wasm (WebAssembly). Set it up again.');
});

test('protocol: checkBackend, backendCheck (every shown field checked), setUpNative', () => {
  assert.deepEqual(parseHostMessage({ type: 'checkBackend', id: 3, backend: 'node' }), { type: 'checkBackend', id: 3, backend: 'node' });
  assert.deepEqual(parseWorkerMessage({ type: 'backendCheck', id: 3, check: CHECK }), { type: 'backendCheck', id: 3, check: CHECK });
  const { gflops: _gflops, ...noSpeed } = CHECK;
  assert.throws(() => parseWorkerMessage({ type: 'backendCheck', id: 3, check: noSpeed }), (err: Error) => err instanceof ProtocolError && /"check\.gflops" is required/.test(err.message));
  assert.throws(() => parseHostMessage({ type: 'checkBackend', id: 3, backend: 'tpu' }), /"backend" must be one of auto, node-gpu, webgpu, node, wasm, cpu \(got "tpu"\)/);
  assert.deepEqual(parseWebviewMessage({ type: 'setUpNative', id: 4 }), { type: 'setUpNative', id: 4 });
});

test('the worker loads TensorFlow.js from the install folder it is given, and the engine runs on its backend', async () => {
  const root = join(dir, 'worker-root');
  await installNativeBackend({
    root,
    variant: 'cpu',
    version: '4.22.0',
    npm: writeFakeNpm(join(dir, 'bin')),
    env: { ...process.env, FAKE_NPM_TFJS: join(REPO_ROOT, 'node_modules') },
    // Made active without a check: this test is the check.
    check: async (folder) => ({ ...CHECK, source: folder }),
  });
  const child = fork(join(REPO_ROOT, 'src', 'worker', 'worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...nativeWorkerEnv(root), PROMPT_TUNER_BACKEND: '' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const reply = await new Promise<WorkerToHost>((resolve, reject) => {
    child.on('message', (raw: unknown) => resolve(parseWorkerMessage(raw)));
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
    child.send({ type: 'checkBackend', id: 7, backend: 'auto' });
  });
  child.kill();
  assert.equal(reply.type, 'backendCheck', JSON.stringify(reply));
  if (reply.type !== 'backendCheck') return;
  assert.equal(reply.check.backend, 'node', 'auto picks the install’s tfjs-node (its tfjs-node-gpu is absent)');
  assert.equal(reply.check.tfBackend, 'tensorflow');
  assert.equal(reply.check.tfVersion, 'fake-2.21.0');
  assert.match(reply.check.source, /worker-root\/cpu-4\.22\.0-/);
});
