// The WebGPU backend's pieces that need no GPU: which adapters count as software, how one is
// reported, which Dawn build each platform (and each platform .vsix) takes, the Linux GPU check
// that keeps auto selection from loading Dawn without a GPU, and the labels the panel and status bar
// show. With VK_ICD_FILENAMES set (CI: SwiftShader), also that auto selection's refusal of a
// software adapter holds on a real Dawn adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAdapter, isSoftwareAdapter, type GpuAdapterReport } from '../../src/core/webgpu/adapter';
import { dawnPlatformFolder, locateDawn } from '../../src/core/webgpu/dawn';
import { backendTag, linuxGpuDeviceNodes, parseBackendRequest } from '../../src/core/backend';
import { backendLabel, describeCheck, isPortableBackend, tfBackendName } from '../../src/core/native/labels';
import { ignoreFileFor, targetIgnoreLines, VSIX_TARGETS } from '../../scripts/vsix-targets.mjs';

const limits = { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupStorageSize: 32768, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupsPerDimension: 65535 };
const m2: GpuAdapterReport = { vendor: 'apple', architecture: 'metal-3', device: '', description: 'Apple M2', software: false, limits };

test('software adapters are told apart from GPUs by what they say of themselves', () => {
  const info = (vendor: string, architecture: string, description = '', isFallbackAdapter = false) => ({ vendor, architecture, device: '', description, isFallbackAdapter });
  assert.equal(isSoftwareAdapter(info('google', 'swiftshader', 'SwiftShader driver 5.0.0')), true);
  assert.equal(isSoftwareAdapter(info('mesa', '', 'llvmpipe (LLVM 15.0.6, 256 bits)')), true);
  assert.equal(isSoftwareAdapter(info('mesa', 'lavapipe')), true);
  assert.equal(isSoftwareAdapter(info('microsoft', '', 'Microsoft Basic Render Driver')), true);
  assert.equal(isSoftwareAdapter(info('anything', 'x', '', true)), true, 'the fallback flag alone');
  assert.equal(isSoftwareAdapter(info('apple', 'metal-3', 'Apple M2')), false);
  assert.equal(isSoftwareAdapter(info('nvidia', 'ampere', 'NVIDIA GeForce RTX 3060')), false);
  assert.equal(isSoftwareAdapter(info('intel', 'xe-lpg', 'Intel(R) Arc(TM) Graphics')), false);
  assert.equal(isSoftwareAdapter(info('amd', 'rdna-3', 'AMD Radeon 780M')), false);
});

test('the adapter is reported with its vendor, architecture and buffer limit', () => {
  assert.equal(describeAdapter(m2), 'apple metal-3 (Apple M2); buffers up to 2048 MiB');
  assert.equal(describeAdapter({ ...m2, vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', software: true }), 'google swiftshader (SwiftShader driver 5.0.0), software; buffers up to 2048 MiB');
  assert.equal(backendTag({ name: 'webgpu', adapter: m2 }), 'webgpu (apple metal-3 (Apple M2); buffers up to 2048 MiB)');
  assert.equal(backendTag({ name: 'wasm' }), 'wasm');
  assert.equal(parseBackendRequest('webgpu', 'test'), 'webgpu');
});

test('the panel and the status bar name a webgpu run by its adapter, with no native-backend hint', () => {
  const tag = backendTag({ name: 'webgpu', adapter: m2 });
  assert.equal(tfBackendName(tag), 'webgpu');
  assert.equal(backendLabel(tag), tag);
  assert.equal(backendLabel('webgpu'), 'webgpu (GPU through Dawn)');
  assert.equal(isPortableBackend(tag), false);
  const check = { backend: 'webgpu' as const, tfBackend: 'webgpu', gpu: false, gflops: 812.4, matmul: '1024x512 @ 512x2048', source: 'node_modules', loadSeconds: 0.4, adapter: m2 };
  assert.equal(describeCheck(check), 'webgpu (apple metal-3 (Apple M2); buffers up to 2048 MiB): 812 GFLOP/s on a 1024x512 @ 512x2048 matmul');
});

test('each platform takes its Dawn build, and each platform .vsix carries exactly that one', () => {
  assert.equal(dawnPlatformFolder('darwin', 'arm64'), 'darwin-universal');
  assert.equal(dawnPlatformFolder('darwin', 'x64'), 'darwin-universal');
  assert.equal(dawnPlatformFolder('linux', 'x64'), 'linux-x64');
  assert.equal(dawnPlatformFolder('win32', 'arm64'), 'win32-arm64');
  for (const [target, folder] of Object.entries(VSIX_TARGETS)) {
    const [platform, arch] = target.split('-');
    assert.equal(folder, dawnPlatformFolder(platform, arch), `${target} packs the build the engine loads there`);
    const dawnLines = targetIgnoreLines(target).filter((l) => l.startsWith('!node_modules/webgpu/'));
    assert.deepEqual(dawnLines, [`!node_modules/webgpu/dist/${folder}/**`]);
  }
  const ignore = ignoreFileFor('linux-x64', '**\n!package.json\n');
  assert.ok(ignore.startsWith('**\n!package.json\n'), 'the base rules come first, unchanged');
  assert.ok(ignore.includes('!node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js'));
  assert.throws(() => targetIgnoreLines('alpine-x64'), /unknown target "alpine-x64"/);
});

test('the Dawn builds the targets name are the ones the webgpu package ships', () => {
  for (const [platform, arch] of [['linux', 'x64'], ['linux', 'arm64'], ['darwin', 'arm64'], ['win32', 'x64'], ['win32', 'arm64']]) {
    assert.match(locateDawn(platform, arch), /dawn\.node$/);
  }
  assert.throws(() => locateDawn('freebsd', 'x64'), /no Dawn build for freebsd-x64 .*install the \.vsix for this platform/);
});

test('auto selection skips webgpu on Linux without a GPU device node, without loading Dawn', () => {
  const dev = mkdtempSync(join(tmpdir(), 'pt-dev-'));
  try {
    assert.deepEqual(linuxGpuDeviceNodes(dev), []);
    mkdirSync(join(dev, 'dri'));
    writeFileSync(join(dev, 'dri', 'card0'), '');
    assert.deepEqual(linuxGpuDeviceNodes(dev), [], 'a display-only card is not a render node');
    writeFileSync(join(dev, 'dri', 'renderD128'), '');
    writeFileSync(join(dev, 'nvidia0'), '');
    assert.deepEqual(linuxGpuDeviceNodes(dev), ['dri/renderD128', 'nvidia0']);
  } finally {
    rmSync(dev, { recursive: true, force: true });
  }
});

test('a software adapter is refused unless asked for by name', { skip: !process.env.VK_ICD_FILENAMES && 'VK_ICD_FILENAMES is not set (CI sets it to SwiftShader)' }, async () => {
  const { registerWebGPU } = await import('../../src/core/webgpu/backend');
  await assert.rejects(registerWebGPU(false), /only WebGPU adapter is a software one \(google swiftshader\), used only when asked for by name/);
  const { adapter } = await registerWebGPU(true);
  assert.equal(adapter.software, true);
  assert.equal(adapter.architecture, 'swiftshader');
  await assert.rejects(registerWebGPU(false), /software one/, 'and still after it was set up by name');
});
