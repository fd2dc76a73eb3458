// T5Config as HF's config.json spells it, validated. Covers T5 v1.0 (ReLU, tied embeddings) and
// v1.1 / lm-adapt / FLAN-T5 (gated-GELU, untied lm_head). Every field is checked against a sane range
// before anything is built from it, and errors name the field.
import { FileFormatError, quote } from '../io/errors';

export type DenseAct = 'relu' | 'gelu_new';

export interface T5Config {
  vocab_size: number;
  d_model: number;
  d_kv: number;
  d_ff: number;
  num_layers: number;
  num_decoder_layers: number;
  num_heads: number;
  relative_attention_num_buckets: number;
  relative_attention_max_distance: number;
  dropout_rate: number;
  layer_norm_epsilon: number;
  /** 'relu' | 'gated-gelu' | 'gelu' | 'gated-relu'... parsed into act + gating. */
  dense_act_fn: DenseAct;
  is_gated_act: boolean;
  tie_word_embeddings: boolean;
  pad_token_id: number;
  eos_token_id: number;
  decoder_start_token_id: number;
}

export class ConfigError extends FileFormatError {}

const ACTS: Record<string, DenseAct> = { relu: 'relu', 'gelu_new': 'gelu_new', gelu: 'gelu_new' };

/**
 * Ranges for the size fields, checked before anything is built from them: wide enough for every
 * published T5 (mT5's 250,112-row vocabulary, t5-11b's d_ff 65,536 and 128 heads, 24-layer stacks),
 * narrow enough that a hostile config.json cannot make the loader build millions of layers.
 */
const RANGES = {
  vocab_size: [1, 1 << 20],
  d_model: [1, 16_384],
  d_kv: [1, 1024],
  d_ff: [1, 262_144],
  num_layers: [1, 128],
  num_decoder_layers: [1, 128],
  num_heads: [1, 1024],
  // 4 at least: the encoder's half of the buckets must keep an exact bucket (relative-position.ts).
  relative_attention_num_buckets: [4, 1024],
  relative_attention_max_distance: [1, 1 << 20],
} as const;

export function parseT5Config(raw: unknown, file = 'config.json'): T5Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(file, `${file}: expected a JSON object.`);
  const c = raw as Record<string, unknown>;
  const fail = (key: string, why: string): never => {
    throw new ConfigError(file, `${file}: "${key}" ${why}. Is this the config.json of a T5 checkpoint?`);
  };
  const modelType = c.model_type;
  if (modelType !== undefined && modelType !== 't5') {
    throw new ConfigError(file, `${file}: model_type is ${quote(modelType)}; Prompt Tuner runs T5 checkpoints (model_type "t5").`);
  }
  const int = (key: string, lo: number, hi: number, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return fail(key, `must be an integer from ${lo} to ${hi} (got ${quote(v)})`);
    return v;
  };
  const sized = (key: keyof typeof RANGES, fallback?: number) => int(key, RANGES[key][0], RANGES[key][1], fallback);
  const num = (key: string, fallback: number, ok: (v: number) => boolean, range: string): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) return fail(key, `must be a number ${range} (got ${quote(v)})`);
    return v;
  };
  // HF: feed_forward_proj is "{act}" or "gated-{act}"; "gated-gelu" means gelu_new.
  const proj = c.feed_forward_proj ?? 'relu';
  if (typeof proj !== 'string') return fail('feed_forward_proj', `must be a string such as "relu" or "gated-gelu" (got ${quote(proj)})`);
  const parts = proj.split('-');
  const gated = parts.length === 2 && parts[0] === 'gated';
  const actName = proj === 'gated-gelu' ? 'gelu_new' : parts[parts.length - 1];
  if (parts.length > 2 || (parts.length === 2 && !gated) || !Object.hasOwn(ACTS, actName)) {
    throw new ConfigError(file, `${file}: feed_forward_proj ${quote(proj)} is not supported; use "relu" (T5 v1.0) or "gated-gelu" (T5 v1.1, FLAN-T5).`);
  }
  if (actName === 'gelu' && !gated) {
    throw new ConfigError(file, `${file}: feed_forward_proj "gelu" (exact GELU) is not supported; use "relu" or "gated-gelu".`);
  }
  const numLayers = sized('num_layers', 6);
  const vocab = sized('vocab_size', 32128);
  const buckets = sized('relative_attention_num_buckets', 32);
  // Distances below max_distance share log-spaced buckets past the exact ones (half the decoder's
  // buckets): a max_distance at or below that makes the bucket formula divide by log(<= 1).
  const maxDistance = sized('relative_attention_max_distance', 128);
  if (maxDistance <= Math.floor(buckets / 2)) {
    fail('relative_attention_max_distance', `must be larger than half of relative_attention_num_buckets (${buckets}), the distances with buckets of their own (got ${maxDistance})`);
  }
  const tokenId = (key: string, fallback: number) => int(key, 0, vocab - 1, fallback);
  const tie = c.tie_word_embeddings ?? true;
  if (typeof tie !== 'boolean') fail('tie_word_embeddings', `must be true or false (got ${quote(tie)})`);
  return {
    vocab_size: vocab,
    d_model: sized('d_model', 512),
    d_kv: sized('d_kv', 64),
    d_ff: sized('d_ff', 2048),
    num_layers: numLayers,
    num_decoder_layers: c.num_decoder_layers == null ? numLayers : sized('num_decoder_layers'),
    num_heads: sized('num_heads', 8),
    relative_attention_num_buckets: buckets,
    relative_attention_max_distance: maxDistance,
    dropout_rate: num('dropout_rate', 0.1, (v) => v >= 0 && v < 1, 'in [0, 1)'),
    layer_norm_epsilon: num('layer_norm_epsilon', 1e-6, (v) => v > 0 && v <= 1, 'in (0, 1]'),
    dense_act_fn: ACTS[actName],
    is_gated_act: gated,
    tie_word_embeddings: tie as boolean,
    // Token ids index the vocabulary: one outside it would index past the embedding matrix.
    pad_token_id: tokenId('pad_token_id', 0),
    eos_token_id: tokenId('eos_token_id', 1),
    decoder_start_token_id: tokenId('decoder_start_token_id', 0),
  };
}
