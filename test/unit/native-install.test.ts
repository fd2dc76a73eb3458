// The shared installer with a fake npm on PATH (test/support/fake-npm.ts) and a stand-in for the
// check in a fresh process: a new install becomes active only after its check; a failed check, a
// failed npm or a cancel leave the previous install as it was (and a cancel ends npm and what it
// started); the GPU package that cannot use a GPU gives way to the CPU package, or to the CPU
// install already there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InstallCancelledError, installNativeBackend, summarizeNpmFailure, type InstallRequest } from '../../src/core/native/installer';
import { locateInstall, NativeInstallError, readActiveRecord, type BackendCheck } from '../../src/core/native/install-record';
import { writeFakeNpm } from '../support/fake-native';

const dir = mkdtempSync(join(tmpdir(), 'pt-native-install-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const npm = writeFakeNpm(join(dir, 'bin'));
const VERSION = '4.22.0';
let roots = 0;

function checkResult(backend: 'node' | 'node-gpu', gpu = false): BackendCheck {
  return { backend, tfBackend: 'tensorflow', tfVersion: '2.9.1', gpu, gflops: 120, matmul: '1024x512 @ 512x2048', source: 'x', loadSeconds: 0.4 };
}

/** The stand-in check reports TensorFlow.js loaded from the folder it was given, as the real one does. */
const loaded = (folder: string, backend: 'node' | 'node-gpu', gpu = false): BackendCheck => ({ ...checkResult(backend, gpu), source: folder });

interface Harness {
  root: string;
  npmLog: string;
  logs: string[];
  steps: string[];
  checks: { folder: string; backend: string }[];
  request(overrides?: Partial<InstallRequest> & { mode?: string; extraEnv?: NodeJS.ProcessEnv }): InstallRequest;
  npmCalls(): { cwd: string; args: string[] }[];
}

function harness(): Harness {
  const root = join(dir, `root-${++roots}`);
  const npmLog = join(dir, `npm-${roots}.log`);
  const h: Harness = {
    root,
    npmLog,
    logs: [],
    steps: [],
    checks: [],
    request: ({ mode = 'ok', extraEnv = {}, ...overrides } = {}) => ({
      root,
      variant: 'cpu',
      version: VERSION,
      npm,
      env: { ...process.env, FAKE_NPM_MODE: mode, FAKE_NPM_LOG: npmLog, ...extraEnv },
      onLog: (line) => h.logs.push(line),
      onStep: (step) => h.steps.push(step),
      check: async (folder, backend) => {
        h.checks.push({ folder, backend });
        return loaded(folder, backend);
      },
      ...overrides,
    }),
    npmCalls: () => (existsSync(npmLog) ? readFileSync(npmLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cwd: string; args: string[] }) : []),
  };
  return h;
}

const installs = (root: string) => readdirSync(root).filter((f) => /^(cpu|gpu)-/.test(f));

test('a CPU install pins the engine version, streams npm, is checked, then becomes active', async () => {
  const h = harness();
  const outcome = await installNativeBackend(h.request());
  const record = readActiveRecord(h.root);
  assert.deepEqual(record, outcome.record);
  assert.equal(record?.package, '@tensorflow/tfjs-node');
  assert.equal(record?.version, VERSION);
  assert.equal(record?.variant, 'cpu');
  assert.match(record?.folder ?? '', /^cpu-4\.22\.0-\d{8}T\d{6}/);
  const folder = join(h.root, record!.folder);
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; allowScripts: Record<string, boolean> };
  assert.deepEqual(pkg.dependencies, { '@tensorflow/tfjs-node': VERSION });
  assert.deepEqual(pkg.allowScripts, { '@tensorflow/tfjs-node@4.22.0': true });
  assert.equal(locateInstall(h.root), folder);
  assert.deepEqual(h.checks, [{ folder, backend: 'node' }]);
  assert.ok(h.logs.includes('* Downloading libtensorflow'), h.logs.join('\n'));
  assert.deepEqual(h.steps, ['npm install @tensorflow/tfjs-node@4.22.0', 'checking @tensorflow/tfjs-node in a fresh process']);
  assert.deepEqual(h.npmCalls()[0]?.args.slice(0, 1), ['install']);
  assert.equal(outcome.keptPrevious, false);
  assert.equal(outcome.gpuFallback, undefined);
});

test('a new install replaces the active one, whose folder goes; unrelated folders stay', async () => {
  const h = harness();
  const first = await installNativeBackend(h.request());
  writeFileSync(join(h.root, 'notes.txt'), 'mine');
  const second = await installNativeBackend(h.request({ now: () => new Date(Date.now() + 60_000) }));
  assert.notEqual(first.record.folder, second.record.folder);
  assert.deepEqual(installs(h.root), [second.record.folder]);
  assert.ok(existsSync(join(h.root, 'notes.txt')));
  assert.equal(readActiveRecord(h.root)?.folder, second.record.folder);
});

test('a package that does not load is removed and the previous install stays active', async () => {
  const h = harness();
  const good = await installNativeBackend(h.request());
  const failing = h.request({
    check: async () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file');
    },
  });
  await assert.rejects(installNativeBackend(failing), (err: Error) => {
    assert.ok(err instanceof NativeInstallError);
    assert.match(err.message, /@tensorflow\/tfjs-node@4\.22\.0 was installed, but the check in a fresh process failed: libtensorflow\.so\.2: cannot open shared object file/);
    return true;
  });
  assert.deepEqual(readActiveRecord(h.root), good.record);
  assert.deepEqual(installs(h.root), [good.record.folder]);
});

test('npm failing is reported with its error lines; the previous install stays', async () => {
  const h = harness();
  const good = await installNativeBackend(h.request());
  await assert.rejects(installNativeBackend(h.request({ mode: 'fail' })), /npm install @tensorflow\/tfjs-node@4\.22\.0 failed with exit code 1: code ETARGET \| notarget No matching version found/);
  assert.deepEqual(readActiveRecord(h.root), good.record);
  assert.deepEqual(installs(h.root), [good.record.folder]);
  assert.equal(summarizeNpmFailure(['a', 'b']), 'a | b');
  const scriptFailed = [
    '* Downloading libtensorflow',
    'Error: TAR_BAD_ARCHIVE: Unrecognized archive format',
    '    at Unpack.warn (/x/node_modules/tar/lib/warn-mixin.js:21:40)',
    'Node.js v20.20.2',
    'npm error code 1',
    'npm error path /x/node_modules/@tensorflow/tfjs-node',
    'npm error command failed',
    'npm error command sh -c node scripts/install.js',
    'npm error A complete log of this run can be found in: /root/.npm/_logs/x.log',
  ];
  assert.equal(summarizeNpmFailure(scriptFailed), 'Error: TAR_BAD_ARCHIVE: Unrecognized archive format | code 1 | command failed | command sh -c node scripts/install.js');
});

test('cancelling ends npm and the process it started, removes the new folder, keeps the previous install', async () => {
  const h = harness();
  const good = await installNativeBackend(h.request());
  const pids = join(dir, 'hang.pids');
  const controller = new AbortController();
  const pending = installNativeBackend(h.request({ mode: 'hang', signal: controller.signal, extraEnv: { FAKE_NPM_PIDS: pids } }));
  const deadline = Date.now() + 20_000;
  while (!existsSync(pids) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const [npmPid, scriptPid] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
  assert.ok(npmPid && scriptPid);
  controller.abort();
  await assert.rejects(pending, (err: Error) => err instanceof InstallCancelledError && /previous backend is unchanged/.test(err.message));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const gone = Date.now() + 5000;
  while ((alive(npmPid) || alive(scriptPid)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(npmPid), false, 'npm was stopped');
  assert.equal(alive(scriptPid), false, 'the install script npm started was stopped');
  assert.deepEqual(readActiveRecord(h.root), good.record);
  assert.deepEqual(installs(h.root), [good.record.folder]);
  assert.equal(existsSync(join(h.root, 'install.lock')), false);
});

test('GPU: the GPU package that does not load gives way to a CPU install, saying why', async () => {
  const h = harness();
  const outcome = await installNativeBackend(
    h.request({
      variant: 'gpu',
      check: async (folder, backend) => {
        h.checks.push({ folder, backend });
        if (backend === 'node-gpu') throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
        return loaded(folder, backend);
      },
    }),
  );
  assert.equal(outcome.record.variant, 'cpu');
  assert.equal(outcome.record.package, '@tensorflow/tfjs-node');
  assert.match(outcome.gpuFallback ?? '', /@tensorflow\/tfjs-node-gpu@4\.22\.0 was installed, but the check in a fresh process failed: libcudart\.so\.11\.0/);
  assert.deepEqual(h.checks.map((c) => c.backend), ['node-gpu', 'node']);
  assert.deepEqual(h.npmCalls().map((c) => basename(c.cwd).slice(0, 4)), ['gpu-', 'cpu-'], 'npm installed the GPU package, then the CPU package');
  assert.deepEqual(installs(h.root), [outcome.record.folder]);
  assert.ok(h.logs.some((l) => /The GPU package is not used: .*libcudart/.test(l)));
});

test('GPU: a GPU package that loads but sees no GPU is not kept; the CPU install already there is', async () => {
  const h = harness();
  const cpu = await installNativeBackend(h.request());
  const npmBefore = h.npmCalls().length;
  const outcome = await installNativeBackend(h.request({ variant: 'gpu', check: async (folder, backend) => loaded(folder, backend, false) }));
  assert.equal(outcome.keptPrevious, true);
  assert.equal(outcome.record.folder, cpu.record.folder);
  assert.match(outcome.gpuFallback ?? '', /found no usable GPU \(binding\.isUsingGpuDevice\(\) is false\)/);
  assert.equal(h.npmCalls().length, npmBefore + 1, 'only the GPU package was installed');
  assert.deepEqual(installs(h.root), [cpu.record.folder]);
  assert.equal(readActiveRecord(h.root)?.folder, cpu.record.folder);
});

test('GPU: a GPU package that uses the GPU becomes the active install', async () => {
  const h = harness();
  const outcome = await installNativeBackend(h.request({ variant: 'gpu', check: async (folder, backend) => loaded(folder, backend, true) }));
  assert.equal(outcome.record.variant, 'gpu');
  assert.equal(outcome.record.package, '@tensorflow/tfjs-node-gpu');
  assert.equal(outcome.gpuFallback, undefined);
  assert.equal(readActiveRecord(h.root)?.variant, 'gpu');
});

test('a package that loads TensorFlow.js from somewhere else than the new folder is not made active', async () => {
  const h = harness();
  const elsewhere = h.request({ check: async (_folder, backend) => ({ ...checkResult(backend), source: 'node_modules', nativeProblem: 'the native install has TensorFlow.js 9.9.9' }) });
  await assert.rejects(installNativeBackend(elsewhere), /@tensorflow\/tfjs-node@4\.22\.0 was installed but is not usable: the native install has TensorFlow\.js 9\.9\.9/);
  assert.equal(readActiveRecord(h.root), undefined);
  assert.deepEqual(installs(h.root), []);
});

test('one install at a time per root; a damaged active.json is named', async () => {
  const h = harness();
  await installNativeBackend(h.request());
  writeFileSync(join(h.root, 'install.lock'), String(process.pid));
  await assert.rejects(installNativeBackend(h.request()), /Another native backend install \(process \d+\) is running/);
  writeFileSync(join(h.root, 'install.lock'), '999999999'); // left by a crashed install: taken over
  await installNativeBackend(h.request({ now: () => new Date(Date.now() + 60_000) }));
  writeFileSync(join(h.root, 'active.json'), '{ not json');
  assert.throws(() => readActiveRecord(h.root), /active\.json is not valid JSON .*set up the native backend again/);
});
