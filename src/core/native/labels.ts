// How backends are named to people — in the panel, the status bar, notifications and the CLI. Pure
// functions of plain values: the webview bundles this file too.
import type { BackendCheck } from './install-record';
import { describeAdapter } from '../webgpu/adapter';

/**
 * The engine's backend names (BackendPreference) as users know them: TensorFlow.js' name first. A
 * run's backend may also be backend.ts' backendTag, "webgpu (<adapter>)": that is its label.
 */
export function backendLabel(name: string | undefined): string {
  switch (name) {
    case 'webgpu':
      return 'webgpu (GPU through Dawn)';
    case 'node':
      return 'tensorflow (native CPU)';
    case 'node-gpu':
      return 'tensorflow (native GPU)';
    case 'wasm':
      return 'wasm (WebAssembly)';
    case 'cpu':
      return 'cpu (plain JavaScript)';
    default:
      return name ?? '—';
  }
}

/** TensorFlow.js' own name: tensorflow, webgpu, wasm or cpu. */
export function tfBackendName(name: string): string {
  if (name.startsWith('webgpu')) return 'webgpu';
  return name === 'node' || name === 'node-gpu' ? 'tensorflow' : name;
}

/** Backends the native one is much faster than: worth a hint to set it up. */
export function isPortableBackend(name: string | undefined): boolean {
  return name === 'wasm' || name === 'cpu';
}

export function formatGflops(gflops: number): string {
  return `${gflops >= 10 ? gflops.toFixed(0) : gflops.toFixed(1)} GFLOP/s`;
}

/** "tensorflow (TensorFlow 2.21.0 on the GPU): 85 GFLOP/s on a 1024x512 @ 512x2048 matmul". */
export function describeCheck(check: BackendCheck): string {
  const detail = check.tfBackend === 'tensorflow' ? ` (TensorFlow ${check.tfVersion ?? '?'} on the ${check.gpu ? 'GPU' : 'CPU'})` : check.adapter ? ` (${describeAdapter(check.adapter)})` : '';
  return `${check.tfBackend}${detail}: ${formatGflops(check.gflops)} on a ${check.matmul} matmul`;
}
