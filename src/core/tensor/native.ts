// TensorFlow ops that tfjs does not expose but the native backend (tfjs-node) can run by name: each
// replaces a chain of tfjs ops (separate passes over memory) with one kernel. Other backends get
// the same result from plain tfjs ops, except webgpu's packed dropout masks (webgpu-kernels.ts).
import * as tf from '../tf';
import { keepWherePacked, packedMasksAvailable, sparseSoftmaxCrossEntropyWebGPU, webgpuKernelsAvailable } from './webgpu-kernels';

/** The part of tfjs-node's NodeJSKernelBackend used here. */
interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

interface TensorflowBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
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
  return typeof backend.executeSingleOutput === 'function' && backend.binding ? (backend as TensorflowBackend) : undefined;
}

function runFloatOp(be: TensorflowBackend, name: string, inputs: tf.Tensor[]): tf.Tensor {
  return be.executeSingleOutput(name, [{ name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT }], inputs);
}

/** x where the bool `mask` is true, 0 elsewhere (same shapes); or where a packed mask (int32, see packedMasks) keeps. */
export function keepWhere<T extends tf.Tensor>(x: T, mask: tf.Tensor): T {
  if (mask.dtype === 'int32') return keepWherePacked(x, mask);
  const be = tensorflowBackend();
  if (!be) return tf.mul(x, tf.cast(mask, 'float32')) as T;
  return tf.tidy(() => runFloatOp(be, 'SelectV2', [mask, x, tf.scalar(0)])) as T;
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
  const type = (name: string, value: number) => ({ name, type: be.binding.TF_ATTR_TYPE, value });
  const [loss, grad] = be.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', [type('T', be.binding.TF_FLOAT), type('Tlabels', be.binding.TF_INT32)], [logits, labels], 2);
  return { loss: loss as tf.Tensor1D, grad: grad as tf.Tensor2D };
}

/** a [m, k] times b [k, n] (or b [n, k] transposed): TensorFlow's 2-D MatMul op natively, which
 * oneDNN runs faster than tfjs' BatchMatMulV2. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, transposeB = false): tf.Tensor2D {
  const be = tensorflowBackend();
  if (!be) return tf.matMul(a, b, false, transposeB);
  const flag = (name: string, value: boolean) => ({ name, type: be.binding.TF_ATTR_BOOL, value });
  return be.executeSingleOutput('MatMul', [flag('transpose_a', false), flag('transpose_b', transposeB), { name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT }], [a, b]) as tf.Tensor2D;
}
