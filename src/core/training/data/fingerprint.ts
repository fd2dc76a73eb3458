// The fingerprint of the examples a run trains on: a resumed run and an exported job check that
// the data still reads as it did (the same inputs and targets, in order).
import { createHash } from 'node:crypto';
import type { Example } from './dataset';

export function examplesFingerprint(examples: readonly Example[]): string {
  return createHash('sha256').update(JSON.stringify(examples.map((e) => [e.input, e.target]))).digest('hex').slice(0, 16);
}
