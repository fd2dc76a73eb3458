// How much memory a prompt-tuning step needs, from the shapes alone: the weights, and per example
// what the tape keeps for the backward pass (t5/layers.ts lists it per sublayer) times a factor for
// what a step allocates around it (transients of the layer being computed, gradients of the
// residual stream, the allocator's slack). The factor was measured on t5-small and
// t5-base-lm-adapt shapes (npm run bench) on the tensorflow and wasm backends. Used to plan
// micro-batches (training/micro-batch.ts) and by the model picker (hub/catalog.ts).
import type { T5Config } from './config';

/** What the memory of a T5 depends on (a config, or a catalog entry's architecture). */
export type T5Architecture = Pick<
  T5Config,
  'vocab_size' | 'd_model' | 'd_kv' | 'd_ff' | 'num_layers' | 'num_decoder_layers' | 'num_heads' | 'relative_attention_num_buckets' | 'is_gated_act' | 'tie_word_embeddings'
>;

/** Peak memory of a training step over the kept tensors alone, measured (2.1-2.4) with margin. */
const STEP_OVERHEAD = 2.5;

export interface StepShape {
  promptLength: number;
  inputLength: number; // longest input in tokens (eos included), without the prompt
  targetLength: number;
}

/** The number of distinct parameters (tied embeddings counted once), as transformers counts them. */
export function parameterCount(a: T5Architecture): number {
  const inner = a.num_heads * a.d_kv;
  const attention = 4 * a.d_model * inner;
  const feedForward = (a.is_gated_act ? 3 : 2) * a.d_model * a.d_ff;
  const relativeBias = a.relative_attention_num_buckets * a.num_heads; // block 0 of each stack
  const encoder = a.num_layers * (attention + feedForward + 2 * a.d_model) + relativeBias + a.d_model;
  const decoder = a.num_decoder_layers * (2 * attention + feedForward + 3 * a.d_model) + relativeBias + a.d_model;
  const embeddings = a.vocab_size * a.d_model * (a.tie_word_embeddings ? 1 : 2);
  return embeddings + encoder + decoder;
}

/** Bytes of the frozen weights (float32). */
export function weightBytes(a: T5Architecture): number {
  return 4 * parameterCount(a);
}

/** Bytes one example adds to a training step's peak. */
export function trainingBytesPerExample(cfg: T5Architecture, shape: StepShape): number {
  const s = shape.promptLength + shape.inputLength;
  const t = shape.targetLength;
  const d = cfg.d_model;
  const h = cfg.num_heads;
  const inner = h * cfg.d_kv;
  const hidden = cfg.d_ff * (cfg.is_gated_act ? 2 : 1);
  // Float32 values kept per layer: the sublayer inputs, q/k/v, the probabilities, the feed-forward's
  // pre-activations; the decoder also keeps its cross-attention keys/values of the encoder states.
  // Then the embeddings and encoder output, and per target token the logits, their log-softmax, the
  // one-hot targets and their gradients over the vocabulary.
  const encoderLayer = 2 * s * d + 3 * s * inner + h * s * s + s * hidden;
  const decoderLayer = 3 * t * d + 4 * t * inner + h * t * t + 2 * s * inner + h * t * s + t * hidden;
  const floats = cfg.num_layers * encoderLayer + cfg.num_decoder_layers * decoderLayer + 4 * s * d + 5 * t * cfg.vocab_size;
  // Byte dropout masks over the probabilities, the feed-forward hidden and the sublayer outputs.
  const maskBytes = cfg.num_layers * (h * s * s + s * cfg.d_ff + 2 * s * d) + cfg.num_decoder_layers * (h * t * (t + s) + t * cfg.d_ff + 3 * t * d);
  return Math.ceil(STEP_OVERHEAD * (4 * floats + maskBytes));
}
