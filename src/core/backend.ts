// Chooses the TensorFlow.js backend once per process: native GPU, WebGPU on a hardware adapter,
// native CPU, wasm, then plain JS. WebGPU (Dawn, see webgpu/) on a software adapter (SwiftShader,
// lavapipe, WARP) runs only when asked for by name: a CPU rasteriser is slower than wasm.
// The native packages (@tensorflow/tfjs-node[-gpu]) live in one of two places: a native install
// folder made by "Set Up Native Backend" / `prompt-tune backend install` (core/native), when this
// process adopted one before loading TF.js, and then only there; else the engine's own node_modules
// (optional dependencies, whose install downloads libtensorflow and often fails). Each is tried at
// run time and the first that loads wins.
import * as tf from './tf';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nativeInstallState } from './native/resolution';
import { registerWasmKernelFixes } from './tensor/wasm-kernels';
import { registerWebGPU } from './webgpu/backend';
import { describeAdapter, type GpuAdapterReport } from './webgpu/adapter';
import { existsSync, readdirSync } from 'node:fs';
import { applyPrecision, parsePrecision, type Precision } from './precision';
import { BACKEND_PREFERENCES, type BackendPreference, type BackendRequest } from './engine-names';

export { BACKEND_PREFERENCES, type BackendPreference, type BackendRequest } from './engine-names';

export interface BackendInfo {
  /** What was chosen, in our names (node-gpu, webgpu, node, wasm, cpu). */
  name: BackendPreference;
  /** TensorFlow.js' own backend name (tensorflow, webgpu, wasm, cpu). */
  tfBackend: string;
  /** Why earlier choices were passed over, for the log. */
  skipped: { name: BackendPreference; reason: string }[];
  /** For node and node-gpu: the install folder the package came from, or "node_modules". */
  source?: string;
  /** For webgpu: the adapter (vendor, architecture, limits). */
  adapter?: GpuAdapterReport;
  precision: Precision;
  /** Why the precision asked for cannot take effect here, for the log. */
  precisionNote?: string;
}

// require, not import(): ESM resolution bypasses the CommonJS hook that points every @tensorflow
// package at the native install (native/resolution.ts), and would load a second copy of a backend.
const requireOptional = createRequire(__filename);
let chosen: BackendInfo | undefined;

export function parseBackendRequest(value: string | undefined, source: string): BackendRequest {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((BACKEND_PREFERENCES as readonly string[]).includes(value)) return value as BackendPreference;
  throw new Error(`${source}: unknown backend "${value}". Use one of auto, ${BACKEND_PREFERENCES.join(', ')}.`);
}

/**
 * Where a native package is loaded from: the adopted install folder (only there: a package it lacks
 * is not taken from node_modules, which would mix two TensorFlow.js trees), else node_modules.
 */
export function nativePackageLocation(pkg: string): { source: string; resolve: () => string } {
  const { folder, problem } = nativeInstallState();
  if (folder) {
    return {
      source: folder,
      resolve: () => {
        try {
          return createRequire(join(folder, 'package.json')).resolve(pkg);
        } catch {
          throw new Error(`${pkg} is not installed in the native install ${folder}`);
        }
      },
    };
  }
  return {
    source: 'node_modules',
    resolve: () => {
      try {
        return requireOptional.resolve(pkg);
      } catch {
        // Say why the set-up install was not used, or how to set one up, rather than "Cannot find module".
        throw new Error(problem ?? `${pkg} is not installed: set it up with "Prompt Tuning: Set Up Native Backend" (the CLI: prompt-tune backend install)`);
      }
    },
  };
}

/**
 * Linux without a GPU device node has no hardware adapter: auto selection skips webgpu there
 * without loading Dawn (which would only find a software adapter, or print Vulkan's complaints).
 */
export function linuxGpuDeviceNodes(dev = '/dev'): string[] {
  const nodes = existsSync(join(dev, 'dri')) ? readdirSync(join(dev, 'dri')).filter((n) => n.startsWith('renderD')).map((n) => `dri/${n}`) : [];
  for (const n of ['nvidia0', 'dxg']) if (existsSync(join(dev, n))) nodes.push(n);
  return nodes;
}

type Loaded = { tfBackend: string; source?: string; adapter?: GpuAdapterReport };

async function tryBackend(name: BackendPreference, explicit: boolean): Promise<Loaded> {
  switch (name) {
    case 'webgpu': {
      if (!explicit && process.platform === 'linux' && linuxGpuDeviceNodes().length === 0) throw new Error('no GPU device (/dev/dri/renderD*, /dev/nvidia0, /dev/dxg)');
      const { adapter } = await registerWebGPU(explicit);
      if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
      return { tfBackend: 'webgpu', adapter };
    }
    case 'node-gpu':
    case 'node': {
      // Registers the 'tensorflow' backend with the shared tfjs-core instance.
      const location = nativePackageLocation(name === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      requireOptional(location.resolve());
      if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
      return { tfBackend: 'tensorflow', source: location.source };
    }
    case 'wasm': {
      requireOptional('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      registerWasmKernelFixes();
      return { tfBackend: 'wasm' };
    }
    case 'cpu': {
      requireOptional('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      return { tfBackend: 'cpu' };
    }
  }
}

/**
 * Selects the backend: an explicit request (option, else PROMPT_TUNER_BACKEND) must load or this
 * throws; 'auto' walks BACKEND_PREFERENCES. The precision (option, else PROMPT_TUNER_PRECISION) is
 * set before a native backend loads. Idempotent per process for the same request.
 */
export async function selectBackend(request?: BackendRequest, precision?: Precision): Promise<BackendInfo> {
  const wanted = request ?? parseBackendRequest(process.env.PROMPT_TUNER_BACKEND, 'PROMPT_TUNER_BACKEND');
  const math = precision ?? parsePrecision(process.env.PROMPT_TUNER_PRECISION, 'PROMPT_TUNER_PRECISION');
  if (chosen && (wanted === 'auto' || wanted === chosen.name)) {
    if (math !== chosen.precision) throw new Error(`This process already runs the ${chosen.name} backend in ${chosen.precision}; the precision is chosen once per process, before the backend loads.`);
    return chosen;
  }
  const order = wanted === 'auto' ? BACKEND_PREFERENCES : [wanted];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      const precisionNote = applyPrecision(math, name);
      const { tfBackend, source, adapter } = await tryBackend(name, wanted !== 'auto');
      await tf.ready();
      chosen = { name, tfBackend, skipped, precision: math, ...(source ? { source } : {}), ...(adapter ? { adapter } : {}), ...(precisionNote ? { precisionNote } : {}) };
      return chosen;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (wanted !== 'auto') throw new Error(`The ${name} backend could not be loaded: ${reason}`);
      skipped.push({ name, reason });
    }
  }
  throw new Error(`No TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * The backend as the started event and the panel name it: our name, and for webgpu the adapter
 * ("webgpu (apple metal-3 (Apple M2); buffers up to 4096 MiB)").
 */
export function backendTag(info: Pick<BackendInfo, 'name' | 'adapter'>): string {
  return info.adapter ? `${info.name} (${describeAdapter(info.adapter)})` : info.name;
}

export function describeBackend(info: BackendInfo): string {
  const from = info.source && info.source !== 'node_modules' ? ` from ${info.source}` : info.adapter ? ` on ${describeAdapter(info.adapter)}` : '';
  const math = info.precision === 'fp32' ? '' : `, ${info.precision}`;
  return info.skipped.length === 0
    ? `backend ${info.name}${from}${math}`
    : `backend ${info.name}${from}${math} (skipped ${info.skipped.map((s) => s.name).join(', ')})`;
}
