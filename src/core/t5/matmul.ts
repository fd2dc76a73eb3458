// Matrix products shaped for the backends we run on. tfjs-backend-wasm sends a BatchMatMul to
// XNNPACK only when it is ONE 2-D product with no transposed operand; a batch or a transpose falls
// to a naive loop 10-50x slower (and the gradient of a plain matMul always has transposed operands).
// So on wasm every product here is written as plain 2-D products with explicit transposes, in the
// forward pass and in custom gradients. Other backends use tf.matMul directly.
import * as tf from '../tf';

const onWasm = () => tf.getBackend() === 'wasm';

type CustomArgs = (tf.Tensor | tf.GradSaveFunc)[];

/** One plain 2-D product a [m, k] @ b [k, n] whose gradient is plain 2-D products as well. */
const plainMatMul = tf.customGrad((...args: CustomArgs) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * x [..., in] times a frozen weight W in HF's [out, in] layout -> [..., out]. Only x is
 * differentiated. On wasm: y^T = W @ x^T forward, dx = dy @ W backward, so the weight never needs
 * a transposed copy.
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const [out, inDim] = w.shape;
  const lead = x.shape.slice(0, -1);
  const flat = x.reshape([-1, inDim]) as tf.Tensor2D;
  if (!onWasm()) return tf.matMul(flat, w, false, true).reshape([...lead, out]);
  const f = tf.customGrad((...args: CustomArgs) => ({
    value: tf.transpose(tf.matMul(w, tf.transpose(args[0] as tf.Tensor2D))),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy, w),
  })) as (xs: tf.Tensor2D) => tf.Tensor2D;
  return f(flat).reshape([...lead, out]);
}

/** Batched a [..., m, k] @ b [..., k, n] (batch dims equal); b^T when transposeB. */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  if (!onWasm()) return tf.matMul(a, b, false, transposeB);
  const lead = a.shape.slice(0, -2);
  const [m, k] = a.shape.slice(-2);
  const bb = transposeB ? tf.transpose(b, [...lead.map((_, i) => i), lead.length + 1, lead.length]) : b;
  const n = bb.shape[bb.rank - 1];
  const as = tf.unstack(a.reshape([-1, m, k]));
  const bs = tf.unstack(bb.reshape([-1, k, n]));
  return tf.stack(as.map((x, i) => plainMatMul(x as tf.Tensor2D, bs[i] as tf.Tensor2D))).reshape([...lead, m, n]);
}
