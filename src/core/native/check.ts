// Loads a backend in this process and times a matrix product on it: what "Set Up Native Backend" and
// `prompt-tune backend check/status` report, and how a fresh install proves it works before it is
// made the active one. Engine side (loads TF.js): the worker and the CLI run it, never the host.
import * as tf from '../tf';
import { selectBackend, type BackendRequest } from '../backend';
import { nativeInstallState } from './resolution';
import type { BackendCheck } from './install-record';

/** The product timed: the shape of a t5-base feed-forward block on a batch of 1024 tokens, roughly. */
const M = 1024;
const K = 512;
const N = 2048;
const MIN_SECONDS = 0.5;

/** What tfjs-node's backend exposes of its native binding (not in tfjs-core's types). */
interface TensorFlowBinding {
  TF_Version?: string;
  isUsingGpuDevice?: () => boolean;
}

function nativeBinding(): TensorFlowBinding | undefined {
  return (tf.backend() as unknown as { binding?: TensorFlowBinding }).binding;
}

/** GFLOP/s of [M,K] @ [K,N] float32 on the current backend: one warm-up, then at least MIN_SECONDS of products. */
export function measureMatmulGflops(): number {
  const a = tf.randomUniform([M, K], -1, 1);
  const b = tf.randomUniform([K, N], -1, 1);
  try {
    const once = (): number => {
      const start = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync(); // wait for the result (backends may run asynchronously)
      c.dispose();
      return (performance.now() - start) / 1000;
    };
    const warm = once();
    // A slow backend (plain JS: seconds per product) is measured by its first product alone.
    if (warm >= MIN_SECONDS) return (2 * M * K * N) / warm / 1e9;
    const repeats = Math.ceil(MIN_SECONDS / Math.max(warm, 1e-3));
    let seconds = 0;
    for (let i = 0; i < repeats; i++) seconds += once();
    return (2 * M * K * N * repeats) / seconds / 1e9;
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** Selects `request` (an explicit backend must load, or this throws why) and measures it. */
export async function checkBackend(request: BackendRequest): Promise<BackendCheck> {
  const start = performance.now();
  const info = await selectBackend(request);
  const loadSeconds = (performance.now() - start) / 1000;
  const binding = info.tfBackend === 'tensorflow' ? nativeBinding() : undefined;
  const { problem } = nativeInstallState();
  return {
    backend: info.name,
    tfBackend: info.tfBackend,
    ...(binding?.TF_Version ? { tfVersion: binding.TF_Version } : {}),
    gpu: binding?.isUsingGpuDevice?.() === true,
    gflops: measureMatmulGflops(),
    matmul: `${M}x${K} @ ${K}x${N}`,
    source: info.source ?? 'node_modules',
    loadSeconds,
    ...(problem ? { nativeProblem: problem } : {}),
    ...(info.adapter ? { adapter: info.adapter } : {}),
  };
}
