// T5Config as HF's config.json spells it, validated. Covers T5 v1.0 (ReLU, tied embeddings) and
// v1.1 / lm-adapt / FLAN-T5 (gated-GELU, untied lm_head).

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

export class ConfigError extends Error {}

const ACTS: Record<string, DenseAct> = { relu: 'relu', 'gelu_new': 'gelu_new', gelu: 'gelu_new' };

export function parseT5Config(raw: unknown, file = 'config.json'): T5Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${file}: expected a JSON object.`);
  const c = raw as Record<string, unknown>;
  const modelType = c.model_type;
  if (modelType !== undefined && modelType !== 't5') {
    throw new ConfigError(`${file}: model_type is "${String(modelType)}"; Prompt Tuner runs T5 checkpoints (model_type "t5").`);
  }
  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new ConfigError(`${file}: "${key}" must be a non-negative integer (got ${JSON.stringify(v)}).`);
    }
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${file}: "${key}" must be a number (got ${JSON.stringify(v)}).`);
    return v;
  };
  // HF: feed_forward_proj is "{act}" or "gated-{act}"; "gated-gelu" means gelu_new.
  const proj = String(c.feed_forward_proj ?? 'relu');
  const parts = proj.split('-');
  const gated = parts.length === 2 && parts[0] === 'gated';
  const actName = proj === 'gated-gelu' ? 'gelu_new' : parts[parts.length - 1];
  if (parts.length > 2 || (parts.length === 2 && !gated) || !(actName in ACTS)) {
    throw new ConfigError(`${file}: feed_forward_proj "${proj}" is not supported; use "relu" (T5 v1.0) or "gated-gelu" (T5 v1.1, FLAN-T5).`);
  }
  if (actName === 'gelu' && !gated) {
    throw new ConfigError(`${file}: feed_forward_proj "gelu" (exact GELU) is not supported; use "relu" or "gated-gelu".`);
  }
  const numLayers = int('num_layers', 6);
  const cfg: T5Config = {
    vocab_size: int('vocab_size', 32128),
    d_model: int('d_model', 512),
    d_kv: int('d_kv', 64),
    d_ff: int('d_ff', 2048),
    num_layers: numLayers,
    num_decoder_layers: c.num_decoder_layers == null ? numLayers : int('num_decoder_layers'),
    num_heads: int('num_heads', 8),
    relative_attention_num_buckets: int('relative_attention_num_buckets', 32),
    relative_attention_max_distance: int('relative_attention_max_distance', 128),
    dropout_rate: num('dropout_rate', 0.1),
    layer_norm_epsilon: num('layer_norm_epsilon', 1e-6),
    dense_act_fn: ACTS[actName],
    is_gated_act: gated,
    tie_word_embeddings: c.tie_word_embeddings === undefined ? true : Boolean(c.tie_word_embeddings),
    pad_token_id: int('pad_token_id', 0),
    eos_token_id: int('eos_token_id', 1),
    decoder_start_token_id: int('decoder_start_token_id', 0),
  };
  for (const key of ['vocab_size', 'd_model', 'd_kv', 'd_ff', 'num_layers', 'num_heads', 'relative_attention_num_buckets'] as const) {
    if (cfg[key] === 0) throw new ConfigError(`${file}: "${key}" must be positive.`);
  }
  if (cfg.dropout_rate < 0 || cfg.dropout_rate >= 1) throw new ConfigError(`${file}: "dropout_rate" must be in [0, 1).`);
  return cfg;
}
