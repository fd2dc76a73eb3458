// Which model a prompt belongs to. A soft prompt lives in the space of one model's input embeddings:
// it only means something to that exact checkpoint, so a saved prompt records the model's name,
// width and a fingerprint of its embedding matrix, and loading checks them.
import { createHash } from 'node:crypto';
import * as tf from '../tf';
import type { T5Model } from '../t5/model';

export interface ModelIdentity {
  name: string; // hub id or folder, as the user named the model
  dModel: number;
  vocabSize: number; // rows of the embedding matrix
  numHeads: number; // PEFT adapter_config num_attention_heads
  numLayers: number; // PEFT adapter_config num_layers (encoder layers for T5)
  embeddingFingerprint: string;
}

export function modelIdentity(model: T5Model, name: string = model.source): ModelIdentity {
  const cfg = model.config;
  return {
    name,
    dModel: cfg.d_model,
    vocabSize: cfg.vocab_size,
    numHeads: cfg.num_heads,
    numLayers: cfg.num_layers,
    embeddingFingerprint: embeddingFingerprint(model.weights.shared),
  };
}

const FINGERPRINT_VERSION = 'v1';
const SAMPLED_ROWS = 64;

/**
 * sha256 over 64 evenly spaced rows of the embedding matrix [vocab, d_model] (shape included).
 * Values are only read, never computed on, so every backend gives the same string. Each value is
 * rounded to bfloat16 (nearest even) first: a bf16 copy of a checkpoint is that rounding of its
 * float32 weights, so both share one fingerprint. Any other change to the weights (fine-tuning,
 * another size, usually also an f16 copy) gives a different fingerprint.
 */
export function embeddingFingerprint(shared: tf.Tensor2D): string {
  const [vocab, d] = shared.shape;
  const ids = [...new Set(Array.from({ length: SAMPLED_ROWS }, (_, i) => Math.floor((i * (vocab - 1)) / (SAMPLED_ROWS - 1))))];
  const rows = tf.tidy(() => tf.gather(shared, tf.tensor1d(ids, 'int32')));
  const values = rows.dataSync() as Float32Array;
  rows.dispose();
  const bf16 = new Uint16Array(values.length);
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  for (let i = 0; i < bits.length; i++) bf16[i] = roundToBf16(bits[i]);
  const hash = createHash('sha256');
  hash.update(`t5-embedding ${vocab}x${d} rows ${ids.join(',')}\n`);
  hash.update(new Uint8Array(bf16.buffer)); // little-endian on every platform Node supports
  return `${FINGERPRINT_VERSION}:${hash.digest('hex')}`;
}

/** Upper 16 bits of a float32, rounded to nearest even (as torch's .to(torch.bfloat16)); NaN stays NaN. */
function roundToBf16(f32Bits: number): number {
  if ((f32Bits & 0x7fffffff) > 0x7f800000) return (f32Bits >>> 16) | 0x40;
  const lsb = (f32Bits >>> 16) & 1;
  return ((f32Bits + 0x7fff + lsb) >>> 16) & 0xffff;
}
