// The soft prompt P [k, d_model] (Lester et al. 2021 §2) as plain float32 data: what is initialised,
// saved, loaded and inspected. The trainer turns it into a tf tensor only while it computes.
import * as tf from '../tf';

export interface SoftPrompt {
  data: Float32Array; // [k * dModel], row-major: row i is prompt position i
  k: number; // prompt length (PEFT: num_virtual_tokens)
  dModel: number; // width (PEFT: token_dim)
}

/** Checks that `data` holds exactly k rows of dModel values. `what` names the source in errors. */
export function softPrompt(data: Float32Array, k: number, dModel: number, what = 'soft prompt'): SoftPrompt {
  if (!Number.isInteger(k) || k < 1) throw new Error(`${what}: the prompt length must be a positive integer, got ${k}.`);
  if (!Number.isInteger(dModel) || dModel < 1) throw new Error(`${what}: d_model must be a positive integer, got ${dModel}.`);
  if (data.length !== k * dModel) throw new Error(`${what}: ${data.length} values do not make ${k} rows of width ${dModel}.`);
  return { data, k, dModel };
}

export function promptToTensor(prompt: SoftPrompt): tf.Tensor2D {
  return tf.tensor2d(prompt.data, [prompt.k, prompt.dModel], 'float32');
}

/** Copies a [k, d_model] tensor (e.g. the trainer's variable) out of the backend. */
export function promptFromTensor(t: tf.Tensor2D): SoftPrompt {
  const [k, d] = t.shape;
  return softPrompt(Float32Array.from(t.dataSync()), k, d);
}

/** Row i as a view into the prompt's data (no copy). */
export function promptRow(prompt: SoftPrompt, i: number): Float32Array {
  return prompt.data.subarray(i * prompt.dModel, (i + 1) * prompt.dModel);
}
