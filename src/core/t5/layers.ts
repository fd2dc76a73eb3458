// The building blocks of a T5 layer: RMS norm, unscaled multi-head attention, the feed-forward
// (ReLU or gated-GELU), dropout. Pure functions of frozen weights; callers wrap them in tf.tidy.
import * as tf from '../tf';
import type { T5Config } from './config';
import type { AttentionWeights, FeedForwardWeights } from './weights';
import { batchMatMul, linear } from './matmul';
import type { EncoderState } from './model';

/** Dropout settings while training; undefined means evaluation (no dropout). */
export interface DropoutState {
  rate: number;
  /** Per-forward seed source: each call takes the next seed, so a step's masks are reproducible. */
  nextSeed(): number;
}

export function dropout<T extends tf.Tensor>(x: T, d: DropoutState | undefined): T {
  if (!d || d.rate === 0) return x;
  return tf.dropout(x, d.rate, undefined, d.nextSeed()) as T;
}

/** T5LayerNorm: scale only, no mean subtraction, no bias. */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight) as T;
}

/** [B, L, d_model] -> [B, num_heads, L, d_kv] through one projection. */
export function projectHeads(x: tf.Tensor3D, w: tf.Tensor2D, cfg: T5Config): tf.Tensor4D {
  const [b, l] = x.shape;
  return linear(x, w).reshape([b, l, cfg.num_heads, cfg.d_kv]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
}

export interface KeyValue {
  k: tf.Tensor4D; // [B, heads, kLen, d_kv]
  v: tf.Tensor4D; // [B, heads, kLen, d_kv]
}

/**
 * Multi-head attention without the 1/sqrt(d_kv) scaling (T5 folds it into the initialisation).
 * `bias` is position bias plus additive mask, broadcastable to [B, heads, qLen, kLen].
 */
export function attend(x: tf.Tensor3D, kv: KeyValue, bias: tf.Tensor, w: AttentionWeights, cfg: T5Config, d?: DropoutState): tf.Tensor3D {
  const [b, qLen] = x.shape;
  const q = projectHeads(x, w.q, cfg); // [B, heads, qLen, d_kv]
  const scores = tf.add(batchMatMul(q, kv.k, true), bias); // [B, heads, qLen, kLen]
  const weights = dropout(tf.softmax(scores), d);
  const context = batchMatMul(weights, kv.v); // [B, heads, qLen, d_kv]
  const merged = context.transpose([0, 2, 1, 3]).reshape([b, qLen, cfg.num_heads * cfg.d_kv]);
  return linear(merged, w.o) as tf.Tensor3D;
}

export function keyValue(x: tf.Tensor3D, w: AttentionWeights, cfg: T5Config): KeyValue {
  return { k: projectHeads(x, w.k, cfg), v: projectHeads(x, w.v, cfg) };
}

/** gelu_new: the tanh approximation of GELU used by T5 v1.1 and FLAN-T5 (x*x*x, not pow: pow's gradient uses a where() that wasm cannot differentiate). */
export function geluNew(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

export function feedForward(x: tf.Tensor3D, w: FeedForwardWeights, cfg: T5Config, d?: DropoutState): tf.Tensor3D {
  const act = (h: tf.Tensor) => (cfg.dense_act_fn === 'relu' ? tf.relu(h) : geluNew(h));
  const hidden = cfg.is_gated_act ? tf.mul(act(linear(x, w.wi[0])), linear(x, w.wi[1])) : act(linear(x, w.wi[0]));
  return linear(dropout(hidden, d), w.wo) as tf.Tensor3D;
}

/** Additive mask from a 0/1 mask [B, kLen] -> [B, 1, 1, kLen] (0 where attended, -1e9 where not). */
export function paddingBias(mask: tf.Tensor2D): tf.Tensor4D {
  const [b, k] = mask.shape;
  return tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -1e9).reshape([b, 1, 1, k]) as tf.Tensor4D;
}

/** Causal additive mask [1, 1, qLen, kLen] for queries at positions kLen-qLen..kLen-1. */
export function causalBias(qLen: number, kLen: number): tf.Tensor4D {
  const values = new Float32Array(qLen * kLen);
  const offset = kLen - qLen;
  for (let i = 0; i < qLen; i++) for (let j = 0; j < kLen; j++) if (j > i + offset) values[i * kLen + j] = -1e9;
  return tf.tensor4d(values, [1, 1, qLen, kLen]);
}

/** Each row of the encoder's output repeated `times` times in place (torch's repeat_interleave). */
export function repeatRows(enc: EncoderState, times: number): EncoderState {
  if (times === 1) return enc;
  const ids = tf.tensor1d(Array.from({ length: enc.hidden.shape[0] * times }, (_, i) => Math.floor(i / times)), 'int32');
  return { hidden: tf.gather(enc.hidden, ids) as tf.Tensor3D, mask: tf.gather(enc.mask, ids) as tf.Tensor2D };
}
