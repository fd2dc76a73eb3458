// TensorFlow ops run by name on the native backend (tfjs-node), for two reasons. Some that tfjs does
// not expose replace a chain of tfjs ops (separate passes over memory) with one kernel. And the
// common ops the sublayers run are cheaper called directly: tfjs-node's kernels make a fresh shape or
// axis tensor per call (reshape, transpose, concat), cast before a mean and wrap batched products in
// reshapes, which at decoding's tiny shapes costs as much as the arithmetic. Called directly, with
// constant operands cached, those extra tensors and ops go. Raw ops are not recorded for tfjs'
// autodiff: they serve inside tape ops (t5/layers.ts) and inference only. Other backends get the
// same result from plain tfjs ops, except webgpu's packed dropout masks (webgpu-kernels.ts).
import * as tf from '../tf';
import { ONEDNN_FPMATH_ENV } from '../engine-names';
import { keepWherePacked, packedMasksAvailable, sparseSoftmaxCrossEntropyWebGPU, webgpuKernelsAvailable } from './webgpu-kernels';

/** The part of tfjs-node's NodeJSKernelBackend used here. */
interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

interface TensorMetadata {
  id: number;
  shape: number[];
  dtype: number;
}

interface TensorflowBackend {
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_INT: number;
    TF_FLOAT: number;
    TF_INT32: number;
    createTensor(shape: number[], dtype: number, values: Int32Array | Float32Array): number;
    executeOp(name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number): TensorMetadata[];
    deleteTensor(handle: number): void;
  };
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
  getInputTensorIds(inputs: tf.Tensor[]): number[];
  createOutputTensor(metadata: TensorMetadata): tf.Tensor;
}

let enabled = true;

/** Tests: plain tfjs ops everywhere (they are differentiable by tfjs' autodiff; these are not). */
export function useNativeOps(on: boolean): void {
  enabled = on;
}

/** Whether dropout masks are made packed, four bytes to an int32 (webgpu; not under the autodiff oracle). */
export function packedMasks(): boolean {
  return enabled && packedMasksAvailable();
}

function tensorflowBackend(): TensorflowBackend | undefined {
  if (!enabled || tf.getBackend() !== 'tensorflow') return undefined;
  const backend = tf.backend() as unknown as Partial<TensorflowBackend>;
  return typeof backend.getInputTensorIds === 'function' && typeof backend.createOutputTensor === 'function' && backend.binding ? (backend as TensorflowBackend) : undefined;
}

/**
 * A small constant operand (shape, permutation, axis, scalar): a TensorFlow tensor handle made once
 * per backend and kept, outside tfjs' bookkeeping (it is no tfjs tensor, so tf.memory() does not
 * count it and no tidy scope can dispose it).
 */
interface Constant {
  handle: number;
}

const constants = new WeakMap<TensorflowBackend, Map<string, Constant>>();

function constant(be: TensorflowBackend, values: number[], dtype: 'int32' | 'float32' = 'int32'): Constant {
  let cache = constants.get(be);
  if (!cache) constants.set(be, (cache = new Map()));
  const key = `${dtype}:${values.join(',')}`;
  let c = cache.get(key);
  if (!c) {
    // Shapes vary with sequence lengths: a bounded cache. Ops use their operands synchronously, so
    // the old handles can all go.
    if (cache.size >= 4096) {
      cache.forEach((old) => be.binding.deleteTensor(old.handle));
      cache.clear();
    }
    const handle = dtype === 'int32' ? be.binding.createTensor([values.length], be.binding.TF_INT32, Int32Array.from(values)) : be.binding.createTensor([], be.binding.TF_FLOAT, Float32Array.of(values[0]));
    cache.set(key, (c = { handle }));
  }
  return c;
}

function runFloatOp(be: TensorflowBackend, name: string, inputs: (tf.Tensor | Constant)[], attrs: OpAttr[] = []): tf.Tensor {
  const ids = inputs.map((x) => ('handle' in x ? x.handle : be.getInputTensorIds([x])[0]));
  const [out] = be.binding.executeOp(name, [{ name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT }, ...attrs], ids, 1);
  return be.createOutputTensor(out);
}

const int32Attr = (be: TensorflowBackend, name: string): OpAttr => ({ name, type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_INT32 });
const boolAttr = (be: TensorflowBackend, name: string, value: boolean): OpAttr => ({ name, type: be.binding.TF_ATTR_BOOL, value });

/**
 * Makes TensorFlow own t's values now. tfjs-node copies a tensor's JavaScript array into TensorFlow
 * at its first use and only then lets go of it: a model's weights were held twice from the first
 * step on, until a garbage collection (the bench's t5-small K=100 peak RSS: train 1754 -> 1509 MiB,
 * score 1237 -> 1114, generate 1318 -> 1139).
 */
export function handToBackend(t: tf.Tensor): void {
  tensorflowBackend()?.getInputTensorIds([t]);
}

/** x (float32) with a new shape (one entry may be -1). */
export function reshape<T extends tf.Tensor>(x: tf.Tensor, shape: number[]): T {
  const be = tensorflowBackend();
  return (be && x.dtype === 'float32' ? runFloatOp(be, 'Reshape', [x, constant(be, shape)], [int32Attr(be, 'Tshape')]) : tf.reshape(x, shape)) as T;
}

/** x (float32) with its axes permuted. */
export function transpose<T extends tf.Tensor>(x: tf.Tensor, perm: number[]): T {
  const be = tensorflowBackend();
  return (be && x.dtype === 'float32' ? runFloatOp(be, 'Transpose', [x, constant(be, perm)], [int32Attr(be, 'Tperm')]) : tf.transpose(x, perm)) as T;
}

/** Float tensors joined along `axis`. */
export function concat<T extends tf.Tensor>(xs: tf.Tensor[], axis: number): T {
  const be = tensorflowBackend();
  if (!be) return tf.concat(xs, axis) as T;
  return runFloatOp(be, 'ConcatV2', [...xs, constant(be, [axis])], [int32Attr(be, 'Tidx'), { name: 'N', type: be.binding.TF_ATTR_INT, value: xs.length }]) as T;
}

/** The mean or sum over the last axis, kept as a size-1 axis. */
export function meanLastAxis<T extends tf.Tensor>(x: T): T {
  return reduceLastAxis('Mean', x, () => tf.mean(x, -1, true));
}

export function sumLastAxis<T extends tf.Tensor>(x: T): T {
  return reduceLastAxis('Sum', x, () => tf.sum(x, -1, true));
}

function reduceLastAxis<T extends tf.Tensor>(name: string, x: T, fallback: () => tf.Tensor): T {
  const be = tensorflowBackend();
  return (be ? runFloatOp(be, name, [x, constant(be, [-1])], [int32Attr(be, 'Tidx'), boolAttr(be, 'keep_dims', true)]) : fallback()) as T;
}

const unary = (name: string, fallback: (x: tf.Tensor) => tf.Tensor) => <T extends tf.Tensor>(x: T): T => {
  const be = tensorflowBackend();
  return (be ? runFloatOp(be, name, [x]) : fallback(x)) as T;
};

/** Float32 elementwise ops; the binary ones broadcast and take numbers as float32 scalars. */
export const square = unary('Square', tf.square);
export const rsqrt = unary('Rsqrt', tf.rsqrt);
export const sigmoid = unary('Sigmoid', tf.sigmoid);
/** log softmax over the last axis (one kernel; tfjs' logSoftmax is six). */
export const logSoftmax = unary('LogSoftmax', (x) => tf.logSoftmax(x));
export const relu = unary('Relu', tf.relu);
/** Softmax over the last axis. */
export const softmax = unary('Softmax', (x) => tf.softmax(x));

type Operand = tf.Tensor | number;
const binary = (name: string, fallback: (a: Operand, b: Operand) => tf.Tensor) => <T extends tf.Tensor>(a: Operand, b: Operand): T => {
  const be = tensorflowBackend();
  if (!be) return fallback(a, b) as T;
  const operand = (x: Operand) => (typeof x === 'number' ? constant(be, [x], 'float32') : x);
  return runFloatOp(be, name, [operand(a), operand(b)]) as T;
};

export const add = binary('AddV2', tf.add);
export const sub = binary('Sub', tf.sub);
export const mul = binary('Mul', tf.mul);

/**
 * Batched a [..., m, k] @ b [..., k, n] (batch dims broadcast), either operand transposed on request:
 * BatchMatMulV2 directly, without the reshapes to rank 3 and back that tfjs' matMul adds.
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const be = tensorflowBackend();
  return be ? runFloatOp(be, 'BatchMatMulV2', [a, b], [boolAttr(be, 'adj_x', transposeA), boolAttr(be, 'adj_y', transposeB)]) : tf.matMul(a, b, transposeA, transposeB);
}

/** x where the bool `mask` is true, 0 elsewhere (same shapes); or where a packed mask (int32, see packedMasks) keeps. */
export function keepWhere<T extends tf.Tensor>(x: T, mask: tf.Tensor): T {
  if (mask.dtype === 'int32') return keepWherePacked(x, mask);
  const be = tensorflowBackend();
  if (!be) return tf.mul(x, tf.cast(mask, 'float32')) as T;
  return runFloatOp(be, 'SelectV2', [mask, x, constant(be, [0], 'float32')]) as T;
}

/** d relu(a) = dy where a > 0, else 0. */
export function reluBackward(dy: tf.Tensor, a: tf.Tensor): tf.Tensor {
  const be = tensorflowBackend();
  return be ? runFloatOp(be, 'ReluGrad', [dy, a]) : tf.mul(dy, tf.cast(tf.greater(a, 0), 'float32'));
}

/**
 * TensorFlow's fused SparseSoftmaxCrossEntropyWithLogits: per row -log softmax(logits)[label] [N]
 * and its gradient softmax - one-hot [N, V], in one pass; on webgpu two kernels of ours (the
 * gradient only when asked). Undefined on the other backends.
 */
export function sparseSoftmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, withGrad = true): { loss: tf.Tensor1D; grad?: tf.Tensor2D } | undefined {
  if (enabled && webgpuKernelsAvailable()) return sparseSoftmaxCrossEntropyWebGPU(logits, labels, withGrad);
  const be = tensorflowBackend();
  if (!be) return undefined;
  // Without the gradient, LogSoftmax and a gather take a third of the fused kernel's time.
  if (!withGrad) return { loss: tf.neg(tf.gather(logSoftmax(logits), labels.expandDims(1), 1, 1).reshape([-1])) as tf.Tensor1D };
  const type = (name: string, value: number) => ({ name, type: be.binding.TF_ATTR_TYPE, value });
  const [loss, grad] = be.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', [type('T', be.binding.TF_FLOAT), type('Tlabels', be.binding.TF_INT32)], [logits, labels], 2);
  return { loss: loss as tf.Tensor1D, grad: grad as tf.Tensor2D };
}

let bf16: boolean | undefined;

/**
 * oneDNN's BF16 math mode (--precision bf16-math) reaches its matmul primitive, which BatchMatMulV2
 * runs, but not the sgemm behind TensorFlow's MatMul (1824x512 @ 512x2048: ~850 GFLOP/s against
 * ~280). oneDNN reads the mode once, before its first kernel; so does this.
 */
function bf16Math(): boolean {
  return (bf16 ??= process.env[ONEDNN_FPMATH_ENV]?.toUpperCase() === 'BF16');
}

/**
 * x [..., k] times a matrix w [k, n] (or w [n, k] transposed) -> [..., n]. Natively, a product of a
 * few rows (decoding's) is one BatchMatMulV2 that broadcasts w, with no reshapes around it: at 8 rows
 * those cost a fifth of the product. Larger ones go to the 2-D MatMul, which oneDNN runs fastest in
 * float32, or in BF16 math to BatchMatMulV2 too.
 */
export function matrixProduct(x: tf.Tensor, w: tf.Tensor2D, transposeW = false): tf.Tensor {
  const be = tensorflowBackend();
  const k = x.shape[x.rank - 1];
  const rows = x.size / k;
  const n = w.shape[transposeW ? 0 : 1];
  if (be && ((x.rank > 2 && rows <= 256) || bf16Math())) return batchMatMul(x, w, false, transposeW);
  if (!be) return tf.matMul(x.reshape([-1, k]) as tf.Tensor2D, w, false, transposeW).reshape([...x.shape.slice(0, -1), n]);
  const y = runFloatOp(be, 'MatMul', [reshape(x, [rows, k]), w], [boolAttr(be, 'transpose_a', false), boolAttr(be, 'transpose_b', transposeW)]);
  return reshape(y, [...x.shape.slice(0, -1), n]);
}
