// Finding npm (PATH, then where Node.js installers put it) and NVIDIA GPUs (a fake nvidia-smi on
// PATH), the GPU package's stated requirements, and the CUDA library hint.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNpm, NpmNotFoundError, NODE_DOWNLOAD_URL, type NpmSearch } from '../../src/core/native/npm';
import { isFile } from '../../src/core/native/find-executable';
import {
  describeGpu,
  describeGpuRequirements,
  detectNvidiaGpus,
  findCudaLibraries,
  gpuPlatformProblem,
  parseNvidiaSmi,
} from '../../src/core/native/gpu';
import { writeFakeNvidiaSmi } from '../support/fake-native';

const dir = mkdtempSync(join(tmpdir(), 'pt-native-discovery-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Only files under the test folder exist: the machine's own npm or nvidia-smi never answer. */
const inTemp = (path: string) => path.startsWith(dir) && isFile(path);

function touch(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  return path;
}

function search(overrides: Partial<NpmSearch>): NpmSearch {
  return { env: { PATH: '' }, platform: 'linux', home: join(dir, 'home'), isFile: inTemp, ...overrides };
}

test('npm: the first on PATH wins', () => {
  const a = touch(join(dir, 'path-a', 'npm'));
  touch(join(dir, 'path-b', 'npm'));
  assert.equal(findNpm(search({ env: { PATH: `${join(dir, 'empty')}:${join(dir, 'path-a')}:${join(dir, 'path-b')}` } })), a);
});

test('npm: off PATH, the newest nvm version, then the next to the running node', () => {
  const home = join(dir, 'home-nvm');
  touch(join(home, '.nvm', 'versions', 'node', 'v18.19.0', 'bin', 'npm'));
  const newest = touch(join(home, '.nvm', 'versions', 'node', 'v20.11.1', 'bin', 'npm'));
  touch(join(home, '.nvm', 'versions', 'node', 'v9.11.2', 'bin', 'npm'));
  assert.equal(findNpm(search({ home })), newest);
  const nodeDir = join(dir, 'node-install', 'bin');
  const beside = touch(join(nodeDir, 'npm'));
  assert.equal(findNpm(search({ home, nodeExecutable: join(nodeDir, 'node') })), beside);
});

test('npm: Windows looks for npm.cmd, also under Program Files\\nodejs', () => {
  const programFiles = join(dir, 'win', 'Program Files');
  const npm = touch(join(programFiles, 'nodejs', 'npm.cmd'));
  assert.equal(findNpm(search({ platform: 'win32', env: { Path: '', ProgramFiles: programFiles } })), npm);
});

test('npm: nowhere gives a message with the Node.js download link and where it looked', () => {
  const err = (() => {
    try {
      findNpm(search({ home: join(dir, 'no-home') }));
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof NpmNotFoundError);
  assert.match(err.message, /^npm was not found/);
  assert.ok(err.message.includes(NODE_DOWNLOAD_URL), err.message);
  assert.match(err.message, /promptTuner\.npmPath/);
  assert.ok(err.searched.includes('/usr/local/bin') && err.searched.some((d) => d.includes('.volta')), err.message);
});

test('npm: a configured path that does not exist is named, not silently replaced', () => {
  touch(join(dir, 'path-c', 'npm'));
  assert.throws(() => findNpm(search({ env: { PATH: join(dir, 'path-c') } }), join(dir, 'nope', 'npm')), /npm was not found at .*nope.*promptTuner\.npmPath/);
});

test('GPU: a fake nvidia-smi on PATH reports its GPUs with memory and driver', async () => {
  const bin = join(dir, 'gpu-bin');
  writeFakeNvidiaSmi(bin, { csvLines: ['NVIDIA GeForce RTX 3090, 24576, 535.104.05', 'Tesla T4, 15360, 535.104.05'] });
  const found = await detectNvidiaGpus({ env: { PATH: bin }, platform: 'linux', isFile: inTemp });
  assert.equal(found.nvidiaSmi, join(bin, 'nvidia-smi'));
  assert.deepEqual(found.gpus, [
    { name: 'NVIDIA GeForce RTX 3090', memoryMB: 24576, driver: '535.104.05' },
    { name: 'Tesla T4', memoryMB: 15360, driver: '535.104.05' },
  ]);
  assert.equal(describeGpu(found.gpus[0]!), 'NVIDIA GeForce RTX 3090, 24 GB, driver 535.104.05');
  assert.equal(found.reason, undefined);
});

test('GPU: none without nvidia-smi, and none (with its message) when it fails', async () => {
  const none = await detectNvidiaGpus({ env: { PATH: join(dir, 'empty') }, platform: 'linux', isFile: inTemp });
  assert.deepEqual(none.gpus, []);
  assert.match(none.reason ?? '', /nvidia-smi was not found/);
  const bin = join(dir, 'broken-bin');
  writeFakeNvidiaSmi(bin, { fail: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." });
  const broken = await detectNvidiaGpus({ env: { PATH: bin }, platform: 'linux', isFile: inTemp });
  assert.deepEqual(broken.gpus, []);
  assert.match(broken.reason ?? '', /failed: NVIDIA-SMI has failed because it couldn't communicate/);
  assert.deepEqual(parseNvidiaSmi('\n  \n'), []);
});

test('GPU: the stated requirements name CUDA 11.2, cuDNN 8.1, libtensorflow-gpu 2.9.1 and the CPU fallback', () => {
  const text = describeGpuRequirements();
  for (const part of ['CUDA 11.2', 'cuDNN 8.1', 'libtensorflow-gpu 2.9.1', 'NVIDIA GPU', 'CPU package']) assert.ok(text.includes(part), `${part} in: ${text}`);
  assert.equal(gpuPlatformProblem('linux', 'x64'), undefined);
  assert.equal(gpuPlatformProblem('win32', 'x64'), undefined);
  assert.match(gpuPlatformProblem('darwin', 'arm64') ?? '', /only for Linux x86-64 or Windows x64, not darwin arm64/);
});

test('GPU: the CUDA runtime and cuDNN are looked for on LD_LIBRARY_PATH', () => {
  const libs = join(dir, 'cuda', 'lib64');
  touch(join(libs, 'libcudart.so.11.0'));
  const result = findCudaLibraries({ env: { LD_LIBRARY_PATH: libs }, platform: 'linux', isFile: inTemp });
  assert.deepEqual(result.found, [{ what: 'CUDA 11.2 runtime', path: join(libs, 'libcudart.so.11.0') }]);
  assert.deepEqual(result.missing, [{ what: 'cuDNN 8.1', file: 'libcudnn.so.8' }]);
});
