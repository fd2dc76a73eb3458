// Chooses the TensorFlow.js backend once per process: native GPU, native CPU, wasm, then plain JS.
// The native packages are optional dependencies: their install downloads libtensorflow, which can
// fail, so each is tried at run time and the first that loads wins.
import * as tf from './tf';
import { createRequire } from 'node:module';

export const BACKEND_PREFERENCES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];
export type BackendRequest = BackendPreference | 'auto';

export interface BackendInfo {
  /** What was chosen, in our names (node-gpu, node, wasm, cpu). */
  name: BackendPreference;
  /** TensorFlow.js' own backend name (tensorflow, wasm, cpu). */
  tfBackend: string;
  /** Why earlier choices were passed over, for the log. */
  skipped: { name: BackendPreference; reason: string }[];
}

const requireOptional = createRequire(__filename);
let chosen: BackendInfo | undefined;

export function parseBackendRequest(value: string | undefined, source: string): BackendRequest {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((BACKEND_PREFERENCES as readonly string[]).includes(value)) return value as BackendPreference;
  throw new Error(`${source}: unknown backend "${value}". Use one of auto, ${BACKEND_PREFERENCES.join(', ')}.`);
}

async function tryBackend(name: BackendPreference): Promise<string> {
  switch (name) {
    case 'node-gpu':
    case 'node': {
      // Registers the 'tensorflow' backend with the shared tfjs-core instance.
      requireOptional(name === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
      return 'tensorflow';
    }
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      return 'wasm';
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      return 'cpu';
    }
  }
}

/**
 * Selects the backend: an explicit request (option, else PROMPT_TUNER_BACKEND) must load or this
 * throws; 'auto' walks BACKEND_PREFERENCES. Idempotent per process for the same request.
 */
export async function selectBackend(request?: BackendRequest): Promise<BackendInfo> {
  const wanted = request ?? parseBackendRequest(process.env.PROMPT_TUNER_BACKEND, 'PROMPT_TUNER_BACKEND');
  if (chosen && (wanted === 'auto' || wanted === chosen.name)) return chosen;
  const order = wanted === 'auto' ? BACKEND_PREFERENCES : [wanted];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      const tfBackend = await tryBackend(name);
      await tf.ready();
      chosen = { name, tfBackend, skipped };
      return chosen;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (wanted !== 'auto') throw new Error(`The ${name} backend could not be loaded: ${reason}`);
      skipped.push({ name, reason });
    }
  }
  throw new Error(`No TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

export function describeBackend(info: BackendInfo): string {
  return info.skipped.length === 0
    ? `backend ${info.name}`
    : `backend ${info.name} (skipped ${info.skipped.map((s) => s.name).join(', ')})`;
}
