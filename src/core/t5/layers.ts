// The sublayers of a T5 block — h + dropout(f(rms_norm(h))) for f = self-attention, cross-attention
// or the feed-forward — each as ONE tape op with a hand-written backward pass. Only the prompt is
// trained, so no weight gradient is ever needed, and each op keeps just what its backward needs
// (its input, the norm's scale, q/k/v, the attention probabilities or the feed-forward's
// pre-activations, byte dropout masks) instead of every intermediate tfjs' autodiff would keep.
// Inside the sublayers the ops come from tensor/native: one TensorFlow kernel each on the native
// backend, plain tfjs ops elsewhere and under the autodiff oracle: autodiff of the same forward is the
// test oracle for each backward.
import * as tf from '../tf';
import type { T5Config } from './config';
import type { CrossAttentionWeights, FeedForwardWeights, SelfAttentionWeights } from './weights';
import { bmm } from '../tensor/products';
import { nextMask, type DropoutStream } from '../tensor/dropout';
import { add, concat, keepWhere, meanLastAxis, mul, relu, reluBackward, reshape, rsqrt, sigmoid, softmax, square, sub, sumLastAxis, transpose, useNativeOps } from '../tensor/native';

// ---- RMS norm (T5LayerNorm: scale only, no mean subtraction, no bias) ----

/** 1 / sqrt(mean(x^2) + eps) over the last axis: [..., 1]. */
function rmsScale(x: tf.Tensor, eps: number): tf.Tensor {
  return rsqrt(add(meanLastAxis(square(x)), eps));
}

/** x * rmsScale(x) * weight, as one tape op (the stacks' final norms; the sublayers norm inside theirs). */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  const forward = (x: tf.Tensor): Forward => {
    const s = rmsScale(x, eps);
    return { value: mul(mul(x, s), weight), saved: () => [x, s] };
  };
  return tapeOp([x], [], forward, (dy, [x, s]) => rmsNormBackward(dy, x, s, weight)) as T;
}

/** d/dx of x * s * w with s = rmsScale(x): s * (g - n * mean(g * n)), g = dy * w, n = x * s. */
function rmsNormBackward(dy: tf.Tensor, x: tf.Tensor, s: tf.Tensor, weight: tf.Tensor1D): tf.Tensor {
  const g = mul(dy, weight);
  const n = mul(x, s);
  return mul(s, sub(g, mul(n, meanLastAxis(mul(g, n)))));
}

// ---- heads ----

/**
 * [B, L, n * heads * d_kv] -> n tensors [B, heads, L, d_kv] (q/k/v packed by the fused weights).
 * One 5-D transpose, or on wasm two of rank 3 and 4: its kernel is 100x slower at rank 5.
 */
function splitHeads(x: tf.Tensor, n: number, cfg: T5Config): tf.Tensor4D[] {
  const [b, l] = x.shape;
  const { num_heads: h, d_kv: d } = cfg;
  const heads = tf.getBackend() === 'wasm'
    ? x.reshape([b * l, n, h * d]).transpose([1, 0, 2]).reshape([n * b, l, h, d]).transpose([0, 2, 1, 3]).reshape([n, b, h, l, d])
    : transpose(reshape(x, [b, l, n, h, d]), [2, 0, 3, 1, 4]);
  return (n === 1 ? [reshape(heads, [b, h, l, d])] : tf.unstack(heads)) as tf.Tensor4D[];
}

/** n tensors [B, heads, L, d_kv] -> [B, L, n * heads * d_kv] (the inverse of splitHeads). */
function mergeHeads(parts: tf.Tensor[]): tf.Tensor3D {
  const [b, h, l, d] = parts[0].shape;
  const n = parts.length;
  if (tf.getBackend() !== 'wasm') {
    const merged = n === 1 ? transpose(parts[0], [0, 2, 1, 3]) : transpose(tf.stack(parts), [1, 3, 0, 2, 4]); // [B, L, (n,) heads, d_kv]
    return reshape(merged, [b, l, n * h * d]);
  }
  const stacked = n === 1 ? parts[0].expandDims(0) : tf.stack(parts); // [n, B, heads, L, d_kv]
  return stacked.reshape([n * b, h, l, d]).transpose([0, 2, 1, 3]).reshape([n, b * l, h * d]).transpose([1, 0, 2]).reshape([b, l, n * h * d]) as tf.Tensor3D;
}

// ---- attention (unscaled: T5 folds 1/sqrt(d_kv) into the initialisation) ----

export interface KeyValue {
  k: tf.Tensor4D; // [B, heads, kLen, d_kv]
  v: tf.Tensor4D; // [B, heads, kLen, d_kv]
}

interface AttentionCore {
  context: tf.Tensor4D; // [B, heads, qLen, d_kv]
  probs: tf.Tensor4D; // [B, heads, qLen, kLen], before dropout
}

/**
 * softmax(q k^T + bias) v, with the probabilities dropped where a mask says so. Dropout's
 * 1/(1 - rate) is left to the caller, who applies it to the (smaller) sublayer output.
 */
function attentionCore(q: tf.Tensor4D, kv: KeyValue, bias: tf.Tensor, mask: tf.Tensor | undefined): AttentionCore {
  const probs = softmax(add<tf.Tensor4D>(bmm(q, kv.k, false, true), bias));
  return { context: bmm(mask ? keepWhere(probs, mask) : probs, kv.v) as tf.Tensor4D, probs };
}

function attentionCoreBackward(dContext: tf.Tensor, q: tf.Tensor, kv: KeyValue, probs: tf.Tensor, mask: tf.Tensor | undefined): { dq: tf.Tensor; dk: tf.Tensor; dv: tf.Tensor } {
  const dv = bmm(mask ? keepWhere(probs, mask) : probs, dContext, true, false);
  let dProbs = bmm(dContext, kv.v, false, true);
  if (mask) dProbs = keepWhere(dProbs, mask);
  // softmax: dS = P * (dP - sum(dP * P))
  const dScores = mul(probs, sub(dProbs, sumLastAxis(mul(dProbs, probs))));
  return { dq: bmm(dScores, kv.k), dk: bmm(dScores, q, true, false), dv };
}

// ---- feed-forward ----

// gelu_new(x) = 0.5 x (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2 / pi), is x sigmoid(u) with
// u = x (B + A x^2), B = 2c, A = 0.044715 B, since 0.5 (1 + tanh z) = sigmoid(2 z): six passes over
// the [B, L, d_ff] activation instead of nine.
const GELU_B = 2 * Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715 * GELU_B;

/** gelu_new: the tanh approximation used by T5 v1.1 and FLAN-T5. */
export function geluNew(x: tf.Tensor): tf.Tensor {
  return mul(x, sigmoid(mul(x, add(mul(GELU_A, square(x)), GELU_B))));
}

/** d gelu_new / dx = s + x s (1 - s) u' = s (1 + x (1 - s) u'), s = sigmoid(u), u' = B + 3 A x^2. */
function geluNewDerivative(x: tf.Tensor): tf.Tensor {
  const x2 = square(x);
  const s = sigmoid(mul(x, add(mul(GELU_A, x2), GELU_B)));
  const du = add(mul(3 * GELU_A, x2), GELU_B);
  return mul(s, add(1, mul(mul(x, sub(1, s)), du)));
}

/** The feed-forward's hidden activation from its input projection(s) `a` [.., d_ff or 2 d_ff]. */
function activate(a: tf.Tensor, cfg: T5Config): tf.Tensor {
  if (!cfg.is_gated_act) return cfg.dense_act_fn === 'relu' ? relu(a) : geluNew(a);
  const [gate, linearPart] = tf.split(a, 2, -1);
  return mul(cfg.dense_act_fn === 'relu' ? relu(gate) : geluNew(gate), linearPart);
}

/**
 * What activateBackward needs of the pre-activation `a`: all of it, except for a plain ReLU, whose
 * gradient only asks which inputs were positive (a byte each instead of four).
 */
function activationResidue(a: tf.Tensor, cfg: T5Config): tf.Tensor {
  return !cfg.is_gated_act && cfg.dense_act_fn === 'relu' ? tf.greater(a, 0) : a;
}

function activateBackward(dHidden: tf.Tensor, residue: tf.Tensor, cfg: T5Config): tf.Tensor {
  const isRelu = cfg.dense_act_fn === 'relu';
  if (!cfg.is_gated_act) return isRelu ? keepWhere(dHidden, residue) : mul(dHidden, geluNewDerivative(residue));
  const [gate, linearPart] = tf.split(residue, 2, -1);
  const dGate = mul(dHidden, linearPart);
  return concat([isRelu ? reluBackward(dGate, gate) : mul(dGate, geluNewDerivative(gate)), mul(dHidden, isRelu ? relu(gate) : geluNew(gate))], -1);
}

// ---- sublayers as tape ops ----

let autodiffReference = false;

/**
 * Tests only: run the sublayers as plain tfjs ops, so tfjs' autodiff computes their gradients —
 * the oracle the hand-written backward passes are checked against.
 */
export function useAutodiffReference(on: boolean): void {
  autodiffReference = on;
  useNativeOps(!on);
}

/**
 * Whether tfjs is recording operations for a gradient (inside tf.grad and friends, not inside a
 * kernel): scoring and generation skip the tape op's bookkeeping (a third of a decoding step).
 */
function recordingGradients(): boolean {
  const { gradientDepth, kernelDepth } = (tf.engine() as unknown as { state: { gradientDepth: number; kernelDepth: number } }).state;
  return gradientDepth > 0 && kernelDepth === 0;
}

interface Forward {
  value: tf.Tensor;
  /** What the backward pass needs; kept (cloned) by the tape until the gradient is done. Not asked for in inference. */
  saved: () => tf.Tensor[];
}

/**
 * Runs `forward` as ONE tape op whose gradient is `backward(dy, saved)` (one gradient per input).
 * `masks` were drawn for this op; the tape keeps the clones it saved, so the originals go.
 */
function tapeOp(inputs: tf.Tensor[], masks: (tf.Tensor | undefined)[], forward: (...xs: tf.Tensor[]) => Forward, backward: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (autodiffReference) return forward(...inputs).value;
  if (!recordingGradients()) return tf.tidy(() => forward(...inputs).value); // the sublayer's intermediates go at once
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const { value, saved } = forward(...(args as tf.Tensor[]));
    save(saved());
    return { value, gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => tf.tidy(() => backward(dy, kept)) };
  });
  const y = op(...inputs);
  for (const m of masks) m?.dispose();
  return y;
}

/** The dropout masks of one sublayer, drawn in forward order before it runs. */
function masks(d: DropoutStream | undefined, ...shapes: number[][]): (tf.Tensor | undefined)[] {
  return shapes.map((s) => (d && d.rate > 0 ? nextMask(s, d) : undefined));
}

const rateOf = (d: DropoutStream | undefined) => d?.rate ?? 0;

/**
 * The sublayer output's gradient (or value) through its two dropouts: both the inner one (attention
 * probabilities, feed-forward hidden) and the outer one scale by 1/(1 - rate), applied here once
 * on the [B, L, d_model] tensor instead of on the larger inner one.
 */
function throughDropouts(x: tf.Tensor, outMask: tf.Tensor | undefined, rate: number): tf.Tensor {
  return outMask ? mul(keepWhere(x, outMask), 1 / (1 - rate) ** 2) : x;
}

export interface SelfAttentionOptions {
  /** Position bias plus additive masks, broadcastable to [B, heads, L, kLen]. */
  bias: tf.Tensor;
  dropout?: DropoutStream;
  /** Generation (no dropout, no gradient): joins the cached keys/values of earlier positions to this step's. */
  extendKv?: (kv: KeyValue) => KeyValue;
}

/** h + dropout(SelfAttention(rms_norm(h))): h [B, L, d_model]. */
export function selfAttentionLayer(h: tf.Tensor3D, w: SelfAttentionWeights, norm: tf.Tensor1D, cfg: T5Config, o: SelfAttentionOptions): tf.Tensor3D {
  const [b, l, dModel] = h.shape;
  const rate = rateOf(o.dropout);
  const [probsMask, outMask] = masks(o.dropout, [b, cfg.num_heads, l, l], [b, l, dModel]);
  const forward = (x: tf.Tensor): Forward => {
    const s = rmsScale(x, cfg.layer_norm_epsilon);
    const [q, k, v] = splitHeads(w.qkv.forward(mul(mul(x, s), norm)), 3, cfg);
    const kv = o.extendKv ? o.extendKv({ k, v }) : { k, v };
    const { context, probs } = attentionCore(q, kv, o.bias, probsMask);
    return {
      value: add(x, throughDropouts(w.o.forward(mergeHeads([context])), outMask, rate)),
      saved: () => [x, s, q, k, v, probs, ...(probsMask ? [probsMask, outMask!] : [])],
    };
  };
  const backward = (dy: tf.Tensor, [x, s, q, k, v, probs, pm, om]: tf.Tensor[]) => {
    const dContext = splitHeads(w.o.backward(throughDropouts(dy, om, rate)), 1, cfg)[0];
    const { dq, dk, dv } = attentionCoreBackward(dContext, q, { k: k as tf.Tensor4D, v: v as tf.Tensor4D }, probs, pm);
    return add(dy, rmsNormBackward(w.qkv.backward(mergeHeads([dq, dk, dv])), x, s, norm));
  };
  return tapeOp([h], [probsMask, outMask], forward, backward) as tf.Tensor3D;
}

export interface CrossAttentionOptions {
  /** Additive padding mask of the encoder states, [B, 1, 1, S]. */
  bias: tf.Tensor;
  dropout?: DropoutStream;
}

/** Keys and values of the encoder states for one decoder layer (computed once when generating). */
export function crossKeyValue(enc: tf.Tensor3D, w: CrossAttentionWeights, cfg: T5Config): KeyValue {
  const [k, v] = splitHeads(w.kv.forward(enc), 2, cfg);
  return { k, v };
}

/** h + dropout(EncDecAttention(rms_norm(h), enc)): gradients flow to h and to the encoder states. */
export function crossAttentionLayer(h: tf.Tensor3D, enc: tf.Tensor3D, w: CrossAttentionWeights, norm: tf.Tensor1D, cfg: T5Config, o: CrossAttentionOptions): tf.Tensor3D {
  const [b, t, dModel] = h.shape;
  const rate = rateOf(o.dropout);
  const [probsMask, outMask] = masks(o.dropout, [b, cfg.num_heads, t, enc.shape[1]], [b, t, dModel]);
  const forward = (x: tf.Tensor, e: tf.Tensor): Forward => crossAttention(x, crossKeyValue(e as tf.Tensor3D, w, cfg), w, norm, cfg, o.bias, probsMask, outMask, rate);
  const backward = (dy: tf.Tensor, [x, s, q, k, v, probs, pm, om]: tf.Tensor[]) => {
    const dContext = splitHeads(w.o.backward(throughDropouts(dy, om, rate)), 1, cfg)[0];
    const { dq, dk, dv } = attentionCoreBackward(dContext, q, { k: k as tf.Tensor4D, v: v as tf.Tensor4D }, probs, pm);
    return [add(dy, rmsNormBackward(w.q.backward(mergeHeads([dq])), x, s, norm)), w.kv.backward(mergeHeads([dk, dv]))];
  };
  return tapeOp([h, enc], [probsMask, outMask], forward, backward) as tf.Tensor3D;
}

/**
 * Cross-attention against precomputed keys/values (generation and scoring): no gradient. `group`
 * decoder rows in a row share one input row's keys/values (rank-classification candidates, beams):
 * their queries are attended together instead of the keys and values being repeated.
 */
export function crossAttentionCached(h: tf.Tensor3D, kv: KeyValue, w: CrossAttentionWeights, norm: tf.Tensor1D, cfg: T5Config, bias: tf.Tensor, group: number): tf.Tensor3D {
  return crossAttention(h, kv, w, norm, cfg, bias, undefined, undefined, 0, group).value as tf.Tensor3D;
}

/** [B * group, heads, L, d_kv] <-> [B, heads, group * L, d_kv]: a group's queries as one longer sequence. */
function foldGroups(q: tf.Tensor, group: number): tf.Tensor4D {
  const [n, h, l, d] = q.shape;
  return reshape(transpose(reshape(q, [n / group, group, h, l, d]), [0, 2, 1, 3, 4]), [n / group, h, group * l, d]);
}

function unfoldGroups(c: tf.Tensor, group: number): tf.Tensor4D {
  const [b, h, gl, d] = c.shape;
  return reshape(transpose(reshape(c, [b, h, group, gl / group, d]), [0, 2, 1, 3, 4]), [b * group, h, gl / group, d]);
}

function crossAttention(x: tf.Tensor, kv: KeyValue, w: CrossAttentionWeights, norm: tf.Tensor1D, cfg: T5Config, bias: tf.Tensor, probsMask: tf.Tensor | undefined, outMask: tf.Tensor | undefined, rate: number, group = 1): Forward {
  const s = rmsScale(x, cfg.layer_norm_epsilon);
  const [q] = splitHeads(w.q.forward(mul(mul(x, s), norm)), 1, cfg);
  const grouped = group > 1 ? attentionCore(foldGroups(q, group), kv, bias, probsMask) : undefined;
  const { context, probs } = grouped ? { context: unfoldGroups(grouped.context, group), probs: grouped.probs } : attentionCore(q, kv, bias, probsMask);
  return {
    value: add(x, throughDropouts(w.o.forward(mergeHeads([context])), outMask, rate)),
    saved: () => [x, s, q, kv.k, kv.v, probs, ...(probsMask ? [probsMask, outMask!] : [])],
  };
}

/** h + dropout(wo(dropout(act(wi(rms_norm(h)))))): h [B, L, d_model]. */
export function feedForwardLayer(h: tf.Tensor3D, w: FeedForwardWeights, norm: tf.Tensor1D, cfg: T5Config, d?: DropoutStream): tf.Tensor3D {
  const [b, l, dModel] = h.shape;
  const rate = rateOf(d);
  const [hiddenMask, outMask] = masks(d, [b, l, cfg.d_ff], [b, l, dModel]);
  const forward = (x: tf.Tensor): Forward => {
    const s = rmsScale(x, cfg.layer_norm_epsilon);
    const a = w.wi.forward(mul(mul(x, s), norm)); // [B, L, d_ff] or gated [B, L, 2 d_ff]
    const hidden = activate(a, cfg);
    return {
      value: add(x, throughDropouts(w.wo.forward(hiddenMask ? keepWhere(hidden, hiddenMask) : hidden), outMask, rate)),
      saved: () => [x, s, activationResidue(a, cfg), ...(hiddenMask ? [hiddenMask, outMask!] : [])],
    };
  };
  const backward = (dy: tf.Tensor, [x, s, residue, hm, om]: tf.Tensor[]) => {
    let dHidden = w.wo.backward(throughDropouts(dy, om, rate));
    if (hm) dHidden = keepWhere(dHidden, hm);
    return add(dy, rmsNormBackward(w.wi.backward(activateBackward(dHidden, residue, cfg)), x, s, norm));
  };
  return tapeOp([h], [hiddenMask, outMask], forward, backward) as tf.Tensor3D;
}

// ---- biases ----

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
