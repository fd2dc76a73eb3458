// How much memory a prompt-tuning step needs, from the shapes alone: the weights, and per example
// what the tape keeps for the backward pass (t5/layers.ts lists it per sublayer) times a factor for
// what a step allocates around it (transients of the layer being computed, gradients of the
// residual stream, the allocator's slack). The factor was measured on t5-small and
// t5-base-lm-adapt shapes (npm run bench) on the tensorflow and wasm backends.
import type { T5Config } from './config';

/** Peak memory of a training step over the kept tensors alone, measured (2.1-2.4) with margin. */
const STEP_OVERHEAD = 2.5;

export interface StepShape {
  promptLength: number;
  inputLength: number; // longest input in tokens (eos included), without the prompt
  targetLength: number;
}

/** Bytes of the frozen weights (float32). */
export function weightBytes(cfg: T5Config): number {
  const d = cfg.d_model;
  const inner = cfg.num_heads * cfg.d_kv;
  const ff = (cfg.is_gated_act ? 3 : 2) * d * cfg.d_ff;
  const embeddings = cfg.vocab_size * d * (cfg.tie_word_embeddings ? 1 : 2);
  const encoder = cfg.num_layers * (4 * d * inner + ff + 2 * d);
  const decoder = cfg.num_decoder_layers * (8 * d * inner + ff + 3 * d);
  return 4 * (embeddings + encoder + decoder + 2 * cfg.relative_attention_num_buckets * cfg.num_heads + 2 * d);
}

/** Bytes one example adds to a training step's peak. */
export function trainingBytesPerExample(cfg: T5Config, shape: StepShape): number {
  const s = shape.promptLength + shape.inputLength;
  const t = shape.targetLength;
  const d = cfg.d_model;
  const h = cfg.num_heads;
  const inner = h * cfg.d_kv;
  const hidden = cfg.d_ff * (cfg.is_gated_act ? 2 : 1);
  // Float32 values kept per layer: the sublayer inputs, q/k/v, the probabilities, the feed-forward's
  // pre-activations; the decoder also keeps its cross-attention keys/values of the encoder states.
  const encoderLayer = 2 * s * d + 3 * s * inner + h * s * s + s * hidden;
  const decoderLayer = 3 * t * d + 4 * t * inner + h * t * t + 2 * s * inner + h * t * s + t * hidden;
  const floats = cfg.num_layers * encoderLayer + cfg.num_decoder_layers * decoderLayer + 4 * s * d + 3 * t * cfg.vocab_size;
  // Byte dropout masks over the probabilities, the feed-forward hidden and the sublayer outputs.
  const maskBytes = cfg.num_layers * (h * s * s + s * cfg.d_ff + 2 * s * d) + cfg.num_decoder_layers * (h * t * (t + s) + t * cfg.d_ff + 3 * t * d);
  return Math.ceil(STEP_OVERHEAD * (4 * floats + maskBytes));
}
