// Maps HF T5 checkpoint names onto a typed weight tree of frozen tf tensors, checking every name and
// shape against the config. Linear maps are FrozenLinear: HF's [out, in] matrices, transposed as
// they are read (tensor/products.ts says why). Projections that read the same input are stacked
// into one matrix (q/k/v, the cross-attention's k/v, gated-GELU's wi_0/wi_1): one larger product
// runs faster than three. Tensors arrive one at a time and each is kept in one copy only.
import * as tf from '../tf';
import type { T5Config } from './config';
import { readCheckpoint, type RawTensor } from './checkpoint';
import { FrozenLinear } from '../tensor/products';
import { handToBackend } from '../tensor/native';

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

/**
 * The checkpoint names of each FrozenLinear, in stacking order, keyed by the first: q/k/v of
 * self-attention, k/v of cross-attention, gated wi_0/wi_1 are one product each (see the header).
 */
function linearGroups(cfg: T5Config): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  const add = (...names: string[]) => groups.set(names[0], names);
  if (!cfg.tie_word_embeddings) add('lm_head.weight');
  for (const stack of ['encoder', 'decoder'] as const) {
    const n = stack === 'encoder' ? cfg.num_layers : cfg.num_decoder_layers;
    for (let i = 0; i < n; i++) {
      const b = `${stack}.block.${i}`;
      const self = `${b}.layer.0.SelfAttention`;
      add(`${self}.q.weight`, `${self}.k.weight`, `${self}.v.weight`);
      add(`${self}.o.weight`);
      if (stack === 'decoder') {
        const cross = `${b}.layer.1.EncDecAttention`;
        add(`${cross}.q.weight`);
        add(`${cross}.k.weight`, `${cross}.v.weight`);
        add(`${cross}.o.weight`);
      }
      const ff = `${b}.layer.${stack === 'decoder' ? 2 : 1}.DenseReluDense`;
      if (cfg.is_gated_act) add(`${ff}.wi_0.weight`, `${ff}.wi_1.weight`);
      else add(`${ff}.wi.weight`);
      add(`${ff}.wo.weight`);
    }
  }
  return groups;
}

/** [out_i, in] matrices stacked along out and transposed: the [in, sum out_i] matrix x W^T multiplies by. */
function transposeStacked(parts: RawTensor[]): tf.Tensor2D {
  const inDim = parts[0].shape[1];
  const total = parts.reduce((n, p) => n + p.shape[0], 0);
  const out = new Float32Array(inDim * total);
  const TILE = 64; // tiles keep both the reads and the strided writes in cache
  let column = 0;
  for (const { shape: [rows], data } of parts) {
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      for (let i0 = 0; i0 < inDim; i0 += TILE) {
        for (let r = r0; r < Math.min(r0 + TILE, rows); r++) {
          for (let i = i0; i < Math.min(i0 + TILE, inDim); i++) out[i * total + column + r] = data[r * inDim + i];
        }
      }
    }
    column += rows;
  }
  return owned(tf.tensor2d(out, [inDim, total]));
}

/** A weight whose values the backend holds from now on; the loader's array can go. */
function owned<T extends tf.Tensor>(t: T): T {
  handToBackend(t);
  return t;
}

export function loadWeights(dir: string, cfg: T5Config): LoadedWeights {
  const expected = expectedShapes(cfg);
  const groups = linearGroups(cfg);
  const groupOf = new Map([...groups].flatMap(([key, names]) => names.map((n): [string, string] => [n, key])));
  const tensors = new Map<string, tf.Tensor>();
  const linears = new Map<string, FrozenLinear>();
  // Parts of a stacked product wait here until the last one arrives; then the raw data is dropped.
  const pending = new Map<string, RawTensor>();
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
      const group = groupOf.get(name);
      if (group) {
        pending.set(name, t);
        const names = groups.get(group)!;
        if (names.every((n) => pending.has(n))) {
          linears.set(group, new FrozenLinear(transposeStacked(names.map((n) => pending.get(n)!))));
          names.forEach((n) => pending.delete(n));
        }
        return;
      }
      tensors.set(name, owned(tf.tensor(t.data, t.shape)));
      if (name === 'shared.weight' && cfg.tie_word_embeddings) linears.set('lm_head.weight', new FrozenLinear(transposeStacked([t])));
    } else if (TIED_ALIASES.includes(name) || (name === 'lm_head.weight' && cfg.tie_word_embeddings)) {
      check(name, t, file, [cfg.vocab_size, cfg.d_model]);
    } else if (UNUSED_OK.test(name)) {
      // harmless legacy tensor
    } else {
      unused.push(name);
    }
  });
  const loaded = (n: string) => tensors.has(n) || linears.has(groupOf.get(n) ?? '');
  const missing = [...expected.keys()].filter((n) => !loaded(n));
  if (missing.length > 0) {
    tensors.forEach((t) => t.dispose());
    linears.forEach((l) => l.dispose());
    const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
    throw new WeightsError(`${dir}: the checkpoint lacks tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')}${more} that config.json requires.`);
  }
  const get = <T extends tf.Tensor>(name: string) => tensors.get(name) as T;
  const linear = (name: string) => linears.get(name)!;
  const selfAttention = (p: string): SelfAttentionWeights => ({ qkv: linear(`${p}.q.weight`), o: linear(`${p}.o.weight`) });
  const crossAttention = (p: string): CrossAttentionWeights => ({ q: linear(`${p}.q.weight`), kv: linear(`${p}.k.weight`), o: linear(`${p}.o.weight`) });
  const feedForward = (p: string): FeedForwardWeights => ({
    wi: linear(`${p}.DenseReluDense.${cfg.is_gated_act ? 'wi_0' : 'wi'}.weight`),
    wo: linear(`${p}.DenseReluDense.wo.weight`),
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
  return {
    weights: {
      shared: get<tf.Tensor2D>('shared.weight'),
      lmHead: linear('lm_head.weight'),
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
