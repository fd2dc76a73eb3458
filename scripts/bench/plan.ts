// What `npm run bench` measures: the peer's shapes (SPECS in shared/bench/peft_baseline.py), the rows
// of the comparison, and how many steps each row times.
import { TINY_T5_CONFIG } from '../../src/core/t5/random-model';

/** T5 shapes exactly as the peer's SPECS (its COMMON fields are TINY_T5_CONFIG's). */
export const SHAPES = {
  // T5 v1.0 (original t5-small): ReLU FFN, tied input/output embeddings.
  't5-small': { d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_decoder_layers: 6, num_heads: 8, feed_forward_proj: 'relu', tie_word_embeddings: true },
  // T5 v1.1 / LM-adapted: gated-GELU FFN, untied lm_head.
  't5-v1_1-small': { d_model: 512, d_kv: 64, d_ff: 1024, num_layers: 8, num_decoder_layers: 8, num_heads: 6, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false },
  't5-base-lm-adapt': { d_model: 768, d_kv: 64, d_ff: 2048, num_layers: 12, num_decoder_layers: 12, num_heads: 12, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false },
} as const;
export type ModelName = keyof typeof SHAPES;
export const MODEL_NAMES = Object.keys(SHAPES) as ModelName[];

/** config.json of the random model of a shape; dropout 0.1 as the peer trains with (T5's configs). */
export function shapeConfig(model: ModelName): Record<string, unknown> {
  return { ...TINY_T5_CONFIG, ...SHAPES[model], dropout_rate: 0.1 };
}

export const MODES = ['train', 'score', 'generate'] as const;
export type Mode = (typeof MODES)[number];

/** The comparison's rows: every mode for each of these (model, prompt length). */
export const FULL: readonly { model: ModelName; promptLen: number }[] = [
  { model: 't5-small', promptLen: 20 },
  { model: 't5-small', promptLen: 100 },
  { model: 't5-v1_1-small', promptLen: 100 },
  { model: 't5-base-lm-adapt', promptLen: 100 },
];
export const QUICK: readonly { model: ModelName; promptLen: number }[] = [{ model: 't5-small', promptLen: 100 }];

/** Our backend names (src/core/backend.ts) and what runs by default. */
export const BACKENDS = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'] as const;
export type Backend = (typeof BACKENDS)[number];
export const DEFAULT_BACKENDS: readonly Backend[] = ['node', 'wasm'];

export type Precision = 'fp32' | 'bf16-math';

export interface Counts {
  steps: number;
  warmup: number;
}

/**
 * Timed steps and untimed warm-up steps. Native backends (and the peer) use the peer suite's counts:
 * train 10 + 3 warm-up, score and generate 10 + 2, t5-base train 6 + 2; --quick (CI) 5 + 2. wasm is an
 * order of magnitude slower at these shapes and plain JS slower still: they time fewer steps.
 */
export function defaultCounts(mode: Mode, model: ModelName, backend: Backend | 'peer', quick = false): Counts {
  if (backend === 'wasm') return { steps: 3, warmup: 1 };
  if (backend === 'cpu') return { steps: 2, warmup: 1 };
  if (quick) return { steps: 5, warmup: 2 };
  if (mode !== 'train') return { steps: 10, warmup: 2 };
  return model === 't5-base-lm-adapt' ? { steps: 6, warmup: 2 } : { steps: 10, warmup: 3 };
}

/** What one measuring child process runs (scripts/bench/row.ts reads it as JSON from argv). */
export type RowJob =
  | { kind: 'matmul'; backend: Backend }
  | { kind: 'kernels'; backend: Backend }
  | {
      kind: 'row';
      backend: Backend;
      mode: Mode;
      model: ModelName;
      modelDir: string;
      batch: number;
      inputLen: number;
      targetLen: number;
      promptLen: number;
      steps: number;
      warmup: number;
    };

/** The matmul every side times for its practical peak: (M x K) @ (K x N), fp32. */
export const MATMUL = { m: 1024, k: 512, n: 2048 } as const;
