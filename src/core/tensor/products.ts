// Matrix products shaped for the backends we run on. Frozen weights keep HF's [out, in] layout.
// - tensorflow: one BatchMatMulV2 per product, transposes as flags (oneDNN reads either layout).
// - wasm: tfjs-backend-wasm sends a product to XNNPACK only when it is ONE 2-D product with no
//   transposed operand; a batch or a transpose falls to a loop 10-50x slower. So there every product
//   is plain 2-D products with explicit transposes of the (small) activations, never of a weight.
import * as tf from '../tf';

const onWasm = () => tf.getBackend() === 'wasm';

/** x [..., in] times W^T for a frozen W [out, in] -> [..., out]. Forward only (see `linear`). */
export function linearForward(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const [out, inDim] = w.shape;
  const lead = x.shape.slice(0, -1);
  const flat = x.reshape([-1, inDim]) as tf.Tensor2D;
  const y = onWasm() ? tf.transpose(tf.matMul(w, tf.transpose(flat))) : tf.matMul(flat, w, false, true);
  return y.reshape([...lead, out]);
}

/** d loss / d x of linearForward: dy [..., out] times W [out, in] -> [..., in]. */
export function linearBackward(dy: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const [out, inDim] = w.shape;
  return tf.matMul(dy.reshape([-1, out]) as tf.Tensor2D, w).reshape([...dy.shape.slice(0, -1), inDim]);
}

/**
 * linearForward with a hand-written gradient that saves nothing: the weight is a constant, so
 * d x = dy W needs no activation (autodiff of matMul would keep x alive until the backward pass).
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: linearForward(args[0] as tf.Tensor, w),
    gradFunc: (dy: tf.Tensor) => linearBackward(dy, w),
  }));
  return f(x);
}

/** Batched a [..., m, k] @ b [..., k, n] (equal batch dims), either operand transposed on request. */
export function bmm(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  if (!onWasm()) return tf.matMul(a, b, transposeA, transposeB);
  const lead = a.shape.slice(0, -2);
  const last2 = (t: tf.Tensor) => t.reshape([-1, ...t.shape.slice(-2)]) as tf.Tensor3D;
  const swap = (t: tf.Tensor3D) => tf.transpose(t, [0, 2, 1]);
  const as = tf.unstack(transposeA ? swap(last2(a)) : last2(a)) as tf.Tensor2D[];
  const bs = tf.unstack(transposeB ? swap(last2(b)) : last2(b)) as tf.Tensor2D[];
  const out = tf.stack(as.map((x, i) => tf.matMul(x, bs[i])));
  return out.reshape([...lead, ...out.shape.slice(-2)]);
}
