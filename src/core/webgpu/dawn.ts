// Google's Dawn (the npm package `webgpu`, a Node addon per platform) as the WebGPU implementation
// TensorFlow.js' webgpu backend runs on in Node. Loaded at run time, never bundled: the addon is
// dist/<platform>-<arch>/dawn.node in the package (darwin-universal on macOS); a platform .vsix
// carries only its own (scripts/package.mjs). Upstream tfjs has no Node support for this backend, so
// the glue is ours:
// - Dawn's GPU object goes to navigator.gpu and its classes (GPUBuffer, GPUBufferUsage...) to
//   globalThis, where tfjs-backend-webgpu looks for them.
// - Synchronous reads (dataSync, which the engine uses) need Dawn's events processed while
//   JavaScript waits. Dawn processes them in a callback it schedules with the global setImmediate
//   whenever a mapAsync (or another asynchronous call) is in flight; `pumpUntil` runs those
//   callbacks in place instead of returning to the event loop (see installEventPump).
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { isSoftwareAdapter, type GpuAdapterReport } from './adapter';

export { describeAdapter, type GpuAdapterReport } from './adapter';

const requireHere = createRequire(__filename);

/** The parts of the WebGPU API used here (the DOM typings are not needed by the rest of the engine). */
export interface GpuAdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  limits: Record<string, number>;
  features: { has(name: string): boolean };
  requestDevice(descriptor?: unknown): Promise<GpuDeviceLike>;
}

export interface GpuDeviceLike {
  limits: Record<string, number>;
  lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
  destroy(): void;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

export function adapterReport(adapter: GpuAdapterLike): GpuAdapterReport {
  const { vendor, architecture, device, description } = adapter.info;
  const l = adapter.limits;
  return {
    vendor: vendor || 'unknown',
    architecture: architecture || '',
    device: device || '',
    description: description || '',
    software: isSoftwareAdapter(adapter.info),
    limits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  };
}

/** The folder of dist/ in the webgpu package that holds this platform's dawn.node. */
export function dawnPlatformFolder(platform: string = process.platform, arch: string = process.arch): string {
  return platform === 'darwin' ? 'darwin-universal' : `${platform}-${arch}`;
}

/** dawn.node for this platform, or why there is none. */
export function locateDawn(platform: string = process.platform, arch: string = process.arch): string {
  let pkg: string;
  try {
    pkg = dirname(requireHere.resolve('webgpu/package.json'));
  } catch {
    throw new Error('the webgpu package (Dawn) is not installed: it comes with the platform-specific Prompt Tuner .vsix, or `npm install webgpu` for the CLI');
  }
  const folder = dawnPlatformFolder(platform, arch);
  const file = join(pkg, 'dist', folder, 'dawn.node');
  if (!existsSync(file)) {
    const present = existsSync(join(pkg, 'dist')) ? readdirSync(join(pkg, 'dist')) : [];
    throw new Error(`no Dawn build for ${folder} in ${pkg} (it has ${present.join(', ') || 'none'}): install the .vsix for this platform`);
  }
  return file;
}

let gpu: GpuLike | undefined;

/** Loads Dawn once per process and makes it the WebGPU implementation tfjs-backend-webgpu sees. */
export function loadDawn(): GpuLike {
  if (gpu) return gpu;
  const dawn = requireHere(locateDawn()) as DawnModule;
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (g[name] === undefined) g[name] = value;
  // WebGPU zero-fills workgroup memory at the start of every workgroup so that a page cannot read
  // another's leftovers; tfjs' shaders and ours write it before reading it, and the fill (with its
  // barrier) made a t5-v1_0-tiny training step 30% slower on SwiftShader.
  const created = dawn.create(['enable-dawn-features=disable_workgroup_init']);
  const nav = g.navigator as Record<string, unknown> | undefined;
  // Node 21+ has a navigator of its own: add gpu to it rather than replace it.
  if (nav) Object.defineProperty(nav, 'gpu', { value: created, configurable: true, enumerable: true });
  else Object.defineProperty(g, 'navigator', { value: { gpu: created }, configurable: true, writable: true });
  gpu = created;
  return gpu;
}

// ---- synchronous waits ----

/** Dawn's scheduled event-processing callbacks not run yet; each runs at most once. */
const pending = new Set<() => void>();
let pumpInstalled = false;

/** Dawn schedules a native function without a name; nothing else of ours does. */
function isDawnCallback(fn: unknown): fn is () => void {
  return typeof fn === 'function' && fn.name === '' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));
}

/**
 * Wraps the global setImmediate so that the callbacks Dawn schedules (it calls the global by name,
 * to call wgpuInstanceProcessEvents) can also be run early by pumpUntil. Every other call goes
 * straight through; a callback run early is skipped when the event loop reaches it. Installed
 * before the device is requested (the first call that schedules one), and only for a device we use.
 */
export function installEventPump(): void {
  if (pumpInstalled) return;
  pumpInstalled = true;
  const real = globalThis.setImmediate;
  const wrapped = function (callback: unknown, ...args: unknown[]) {
    if (args.length > 0 || !isDawnCallback(callback)) return (real as (...a: unknown[]) => NodeJS.Immediate)(callback, ...args);
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      pending.delete(run);
      callback();
    };
    pending.add(run);
    return real(run);
  };
  Object.defineProperty(wrapped, promisify.custom, { value: (real as unknown as Record<symbol, unknown>)[promisify.custom] });
  globalThis.setImmediate = wrapped as typeof setImmediate;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Processes Dawn's events in place until `done()`: the body of every synchronous read. Spins on
 * the first polls (a finished GPU answers at once), then sleeps a little between polls so a
 * software adapter's worker threads keep the cores.
 */
export function pumpUntil(done: () => boolean, what: string): void {
  for (let polls = 0; !done(); polls++) {
    const callbacks = [...pending];
    if (callbacks.length === 0) throw new Error(`WebGPU: ${what} waits on Dawn, which has no event processing scheduled`);
    for (const run of callbacks) run();
    if (polls > 32 && !done()) Atomics.wait(sleeper, 0, 0, polls > 2000 ? 1 : 0.05);
  }
}
