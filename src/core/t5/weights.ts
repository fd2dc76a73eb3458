// Maps HF T5 checkpoint names onto a typed weight tree of frozen tf tensors, checking every name and
// shape against the config. Linear maps are FrozenLinear: HF's [out, in] matrices, stored in the
// layout the backend multiplies fastest (tensor/products.ts).
// Projections that read the same input are stacked into one matrix at load time (q/k/v, the
// cross-attention's k/v, gated-GELU's wi_0/wi_1): one larger product runs faster than three.
import * as tf from '../tf';
import type { T5Config } from './config';
import { readCheckpoint, type RawTensor } from './checkpoint';
import { FrozenLinear } from '../tensor/products';

// Shapes as HF's [out, in].
export interface SelfAttentionWeights {
  qkv: FrozenLinear; // [3 * num_heads * d_kv, d_model]: q, k, v stacked
  o: FrozenLinear; // [d_model, num_heads * d_kv]
}

export interface CrossAttentionWeights {
  q: FrozenLinear; // [num_heads * d_kv, d_model]
  kv: FrozenLinear; // [2 * num_heads * d_kv, d_model]: k, v stacked
  o: FrozenLinear; // [d_model, num_heads * d_kv]
}

export interface FeedForwardWeights {
  wi: FrozenLinear; // [d_ff, d_model], or gated [2 * d_ff, d_model]: wi_0 (activated) over wi_1 (linear)
  wo: FrozenLinear; // [d_model, d_ff]
}

export interface BlockWeights {
  selfAttention: SelfAttentionWeights;
  selfAttentionNorm: tf.Tensor1D; // [d_model]
  crossAttention?: CrossAttentionWeights; // decoder only
  crossAttentionNorm?: tf.Tensor1D;
  feedForward: FeedForwardWeights;
  feedForwardNorm: tf.Tensor1D;
}

export interface StackWeights {
  relativeAttentionBias: tf.Tensor2D; // [num_buckets, num_heads], block 0 only, shared by all layers
  blocks: BlockWeights[];
  finalLayerNorm: tf.Tensor1D;
}

export interface T5Weights {
  shared: tf.Tensor2D; // [vocab_size, d_model], the token embeddings
  lmHead: FrozenLinear; // [vocab_size, d_model]; over `shared` when tied
  encoder: StackWeights;
  decoder: StackWeights;
}

export class WeightsError extends Error {}

/** The expected name -> shape table for a config (checkpoint names as HF writes them). */
export function expectedShapes(cfg: T5Config): Map<string, number[]> {
  const inner = cfg.num_heads * cfg.d_kv;
  const m = new Map<string, number[]>();
  m.set('shared.weight', [cfg.vocab_size, cfg.d_model]);
  if (!cfg.tie_word_embeddings) m.set('lm_head.weight', [cfg.vocab_size, cfg.d_model]);
  const attn = (p: string) => {
    m.set(`${p}.q.weight`, [inner, cfg.d_model]);
    m.set(`${p}.k.weight`, [inner, cfg.d_model]);
    m.set(`${p}.v.weight`, [inner, cfg.d_model]);
    m.set(`${p}.o.weight`, [cfg.d_model, inner]);
  };
  const ff = (p: string) => {
    if (cfg.is_gated_act) {
      m.set(`${p}.DenseReluDense.wi_0.weight`, [cfg.d_ff, cfg.d_model]);
      m.set(`${p}.DenseReluDense.wi_1.weight`, [cfg.d_ff, cfg.d_model]);
    } else {
      m.set(`${p}.DenseReluDense.wi.weight`, [cfg.d_ff, cfg.d_model]);
    }
    m.set(`${p}.DenseReluDense.wo.weight`, [cfg.d_model, cfg.d_ff]);
    m.set(`${p}.layer_norm.weight`, [cfg.d_model]);
  };
  for (const stack of ['encoder', 'decoder'] as const) {
    const n = stack === 'encoder' ? cfg.num_layers : cfg.num_decoder_layers;
    m.set(`${stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`, [cfg.relative_attention_num_buckets, cfg.num_heads]);
    m.set(`${stack}.final_layer_norm.weight`, [cfg.d_model]);
    for (let i = 0; i < n; i++) {
      const b = `${stack}.block.${i}`;
      attn(`${b}.layer.0.SelfAttention`);
      m.set(`${b}.layer.0.layer_norm.weight`, [cfg.d_model]);
      if (stack === 'decoder') {
        attn(`${b}.layer.1.EncDecAttention`);
        m.set(`${b}.layer.1.layer_norm.weight`, [cfg.d_model]);
      }
      ff(`${b}.layer.${stack === 'decoder' ? 2 : 1}`);
    }
  }
  return m;
}

/** Copies of `shared.weight` that checkpoints may carry (ignored: one matrix serves all three). */
const TIED_ALIASES = ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'];
/** Present in the original t5-small/base checkpoints but never used by the model. */
const UNUSED_OK = /^decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight$/;

export interface LoadedWeights {
  weights: T5Weights;
  /** Tensors in the files that the model does not use. */
  unused: string[];
  files: string[];
}

export function loadWeights(dir: string, cfg: T5Config): LoadedWeights {
  const expected = expectedShapes(cfg);
  const tensors = new Map<string, tf.Tensor>();
  const unused: string[] = [];
  const check = (name: string, t: RawTensor, file: string, want: number[]) => {
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new WeightsError(`${file}: tensor "${name}" has shape [${t.shape}] but config.json implies [${want}]. The weights and config.json do not belong together.`);
    }
  };
  const files = readCheckpoint(dir, (name, t, file) => {
    const want = expected.get(name);
    if (want) {
      check(name, t, file, want);
      tensors.set(name, tf.tensor(t.data, t.shape));
    } else if (TIED_ALIASES.includes(name) || (name === 'lm_head.weight' && cfg.tie_word_embeddings)) {
      check(name, t, file, [cfg.vocab_size, cfg.d_model]);
    } else if (UNUSED_OK.test(name)) {
      // harmless legacy tensor
    } else {
      unused.push(name);
    }
  });
  const missing = [...expected.keys()].filter((n) => !tensors.has(n));
  if (missing.length > 0) {
    tensors.forEach((t) => t.dispose());
    const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
    throw new WeightsError(`${dir}: the checkpoint lacks tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')}${more} that config.json requires.`);
  }
  const get = <T extends tf.Tensor>(name: string) => tensors.get(name) as T;
  const dense = (name: string) => new FrozenLinear(get<tf.Tensor2D>(name));
  /** The named [out, in] matrices stacked along out; the parts are freed as soon as they are copied. */
  const stacked = (...names: string[]): FrozenLinear => {
    const parts = names.map((n) => get<tf.Tensor2D>(n));
    const out = tf.concat(parts, 0);
    tf.dispose(parts);
    return new FrozenLinear(out);
  };
  const selfAttention = (p: string): SelfAttentionWeights => ({
    qkv: stacked(`${p}.q.weight`, `${p}.k.weight`, `${p}.v.weight`), o: dense(`${p}.o.weight`),
  });
  const crossAttention = (p: string): CrossAttentionWeights => ({
    q: dense(`${p}.q.weight`), kv: stacked(`${p}.k.weight`, `${p}.v.weight`), o: dense(`${p}.o.weight`),
  });
  const feedForward = (p: string): FeedForwardWeights => ({
    wi: cfg.is_gated_act ? stacked(`${p}.DenseReluDense.wi_0.weight`, `${p}.DenseReluDense.wi_1.weight`) : dense(`${p}.DenseReluDense.wi.weight`),
    wo: dense(`${p}.DenseReluDense.wo.weight`),
  });
  const stack = (s: 'encoder' | 'decoder', n: number): StackWeights => ({
    relativeAttentionBias: get(`${s}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`),
    finalLayerNorm: get(`${s}.final_layer_norm.weight`),
    blocks: Array.from({ length: n }, (_, i): BlockWeights => {
      const b = `${s}.block.${i}`;
      const ffLayer = s === 'decoder' ? 2 : 1;
      return {
        selfAttention: selfAttention(`${b}.layer.0.SelfAttention`),
        selfAttentionNorm: get(`${b}.layer.0.layer_norm.weight`),
        ...(s === 'decoder'
          ? { crossAttention: crossAttention(`${b}.layer.1.EncDecAttention`), crossAttentionNorm: get<tf.Tensor1D>(`${b}.layer.1.layer_norm.weight`) }
          : {}),
        feedForward: feedForward(`${b}.layer.${ffLayer}`),
        feedForwardNorm: get(`${b}.layer.${ffLayer}.layer_norm.weight`),
      };
    }),
  });
  const shared = get<tf.Tensor2D>('shared.weight');
  return {
    weights: {
      shared,
      lmHead: cfg.tie_word_embeddings ? new FrozenLinear(shared, true) : dense('lm_head.weight'),
      encoder: stack('encoder', cfg.num_layers),
      decoder: stack('decoder', cfg.num_decoder_layers),
    },
    unused,
    files,
  };
}

export function disposeWeights(w: T5Weights): void {
  const walk = (o: unknown): void => {
    if (o instanceof tf.Tensor || o instanceof FrozenLinear) o.dispose();
    else if (Array.isArray(o)) o.forEach(walk);
    else if (o && typeof o === 'object') Object.values(o).forEach(walk);
  };
  walk(w);
}
