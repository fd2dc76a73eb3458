// `prompt-tune backend install|status|check` as a user runs them, with a fake nvidia-smi and a fake
// npm first on PATH. The fake npm installs a second, hard-linked copy of tfjs-core and a fake
// tfjs-node that registers 'tensorflow' on whichever tfjs-core *it* resolves: the engine runs on it
// only if every @tensorflow resolution goes to the install (one tfjs-core per process). The fake
// tfjs-node-gpu fails to load the way the real one does without CUDA.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';
import { pathWith, writeFakeNpm, writeFakeNvidiaSmi } from '../support/fake-native';

const dir = mkdtempSync(join(tmpdir(), 'pt-cli-backend-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const gpuBin = join(dir, 'gpu-bin');
const plainBin = join(dir, 'bin');
writeFakeNpm(gpuBin);
writeFakeNvidiaSmi(gpuBin, { csvLines: ['NVIDIA GeForce RTX 3090, 24576, 535.104.05'] });
writeFakeNpm(plainBin);
const native = join(dir, 'native');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: pathWith(plainBin),
      // The user's own install (in ~/.cache) must not leak in.
      XDG_CACHE_HOME: join(dir, 'cache'),
      PROMPT_TUNER_NATIVE_DIR: '',
      PROMPT_TUNER_BACKEND: '',
      PROMPT_TUNER_NPM: '',
      FAKE_NPM_TFJS: join(REPO_ROOT, 'node_modules'),
      ...env,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface InstallJson {
  dir: string;
  gpuFallback?: string;
  keptPrevious: boolean;
  record: { variant: string; package: string; version: string; folder: string; check: { backend: string; tfBackend: string; tfVersion: string; source: string; gflops: number } };
}

test('install --gpu states the GPU and its requirements, falls back to the CPU package, and the engine runs on it', () => {
  const r = cli(['backend', 'install', '--gpu', '--dir', native, '--json'], { PATH: pathWith(gpuBin) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /GPU: NVIDIA GeForce RTX 3090, 24 GB, driver 535\.104\.05/);
  assert.match(r.stderr, /CUDA 11\.2 and cuDNN 8\.1/);
  assert.match(r.stderr, /npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
  assert.match(r.stderr, /The GPU package is not used: .*libcudart\.so\.11\.0: cannot open shared object file/);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as InstallJson;
  assert.equal(out.dir, native);
  assert.match(out.gpuFallback ?? '', /tfjs-node-gpu@4\.22\.0 was installed, but the check in a fresh process failed: .*libcudart\.so\.11\.0/);
  assert.equal(out.record.variant, 'cpu');
  assert.equal(out.record.package, '@tensorflow/tfjs-node');
  assert.equal(out.record.version, '4.22.0');
  assert.equal(out.record.check.tfBackend, 'tensorflow', 'the fake tfjs-node registered its backend on the engine’s tfjs-core');
  assert.equal(out.record.check.tfVersion, 'fake-2.21.0');
  assert.equal(out.record.check.source, join(native, out.record.folder));
  assert.ok(out.record.check.gflops > 0);

  const status = cli(['backend', 'status', '--dir', native, '--json']);
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout) as { installed: { folder: string }; check: { backend: string; tfBackend: string; source: string } };
  assert.equal(s.installed.folder, out.record.folder);
  assert.deepEqual([s.check.backend, s.check.tfBackend, s.check.source], ['node', 'tensorflow', join(native, out.record.folder)]);

  // Again, as people read it: the GPU package still cannot load; the CPU install is kept (npm is not
  // run for it again) and checked anew.
  const again = cli(['backend', 'install', '--gpu', '--dir', native], { PATH: pathWith(gpuBin) });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /The GPU package is not used: .*libcudart/);
  assert.match(again.stdout, /^Kept @tensorflow\/tfjs-node 4\.22\.0 in .*native \(\d+ s\)\.$/m);
  assert.match(again.stdout, /^Check: tensorflow \(TensorFlow fake-2\.21\.0 on the CPU\): \d+(\.\d)? GFLOP\/s on a 1024x512 @ 512x2048 matmul\.$/m);
  assert.match(again.stdout, /^Other commands use it with PROMPT_TUNER_NATIVE_DIR=.*native\.$/m);
  assert.equal(readdirSync(native).filter((f) => /^(cpu|gpu)-/.test(f)).join(), out.record.folder, 'only the kept install is left');
});

test('other commands load TensorFlow.js from the install in PROMPT_TUNER_NATIVE_DIR', { skip: SKIP_NO_SHARED }, () => {
  if (!existsSync(join(native, 'active.json'))) cli(['backend', 'install', '--dir', native]);
  const data = join(dir, 'data.jsonl');
  writeFileSync(data, Array.from({ length: 8 }, (_, i) => JSON.stringify({ text: `item ${i}`, label: i % 2 ? 'yes' : 'no' })).join('\n'));
  const r = cli(['train', '--model', tinyModelDir(), '--train', data, '--out', join(dir, 'run'), '--steps', '2', '--eval-every', '2', '--batch-size', '4', '--prompt-length', '2', '--json'], {
    PROMPT_TUNER_NATIVE_DIR: native,
  });
  assert.equal(r.code, 0, r.stderr);
  const started = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; backend?: string; message?: string });
  assert.equal(started.find((e) => e.type === 'started')?.backend, 'node');
  assert.ok(started.some((e) => e.type === 'log' && e.message?.includes(`backend node from ${native}`)), r.stdout);
});

test('install --gpu without an NVIDIA GPU says so and installs nothing', { skip: existsSync('/usr/bin/nvidia-smi') && 'this machine has nvidia-smi' }, () => {
  const r = cli(['backend', 'install', '--gpu', '--dir', join(dir, 'no-gpu')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--gpu: no NVIDIA GPU found \(nvidia-smi was not found.*\)\. Run without --gpu for the CPU package\./);
  assert.equal(existsSync(join(dir, 'no-gpu', 'active.json')), false);
});

test('an install whose tfjs-core is not the engine’s is refused by its check, and says why', () => {
  const root = join(dir, 'mismatch');
  const r = cli(['backend', 'install', '--dir', root], { FAKE_NPM_CORE_VERSION: '9.9.9' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /prompt-tune: @tensorflow\/tfjs-node@4\.22\.0 was installed but is not usable: the native install .* has TensorFlow\.js 9\.9\.9 but this Prompt Tuner uses 4\.22\.0/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(join(root, 'active.json')), false);
});

test('backend without a known subcommand is a usage error', () => {
  const r = cli(['backend', 'upgrade']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /backend takes install, status or check \(got "upgrade"\)/);
});
