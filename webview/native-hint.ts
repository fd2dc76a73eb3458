// The panel's hint to set up the native backend: shown under a run's statistics when it trains on
// wasm or cpu and no native install is ready, never otherwise. No DOM here (unit-tested).
import { backendLabel, isPortableBackend } from '../src/core/native/labels';
import type { NativeStatus } from './protocol';

/** The hint's text, or undefined when there is nothing to say. */
export function nativeHintText(backend: string | undefined, native: NativeStatus | undefined): string | undefined {
  if (!native || native.state === 'ready' || !isPortableBackend(backend)) return undefined;
  const on = `This run trains on ${backendLabel(backend)}.`;
  if (native.state === 'none') {
    return `${on} TensorFlow’s native backend is usually several times faster; setting it up installs @tensorflow/tfjs-node with npm (a few hundred MB).`;
  }
  return `${on} ${native.summary}`;
}

