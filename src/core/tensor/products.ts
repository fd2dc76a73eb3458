// Matrix products shaped for the backends we run on.
// - tensorflow: one BatchMatMulV2 per product, transposes as flags (oneDNN reads either layout).
// - wasm: tfjs-backend-wasm sends a product to XNNPACK only when it is ONE 2-D product with no
//   transposed operand; a batch or a transpose falls to a loop 10-50x slower. So there every product
//   is plain 2-D products with explicit transposes of activations, and weights are stored transposed.
import * as tf from '../tf';

const onWasm = () => tf.getBackend() === 'wasm';

/**
 * A frozen linear map x -> x W^T, W [out, in] in HF's layout, stored as the backend's fast product
 * wants it: as is for oneDNN, transposed ([in, out]) on wasm, where XNNPACK then multiplies
 * untransposed operands and keeps the weight packed between calls (1.6x faster forward passes).
 * Decided when the model loads, on the backend selected then.
 */
export class FrozenLinear {
  readonly outDim: number;
  readonly inDim: number;
  private readonly w?: tf.Tensor2D; // [out, in]
  private readonly wT?: tf.Tensor2D; // [in, out], wasm

  /** Takes ownership of `w` [out, in]; `keep` leaves it alone (it is shared, e.g. tied embeddings). */
  constructor(w: tf.Tensor2D, keep = false) {
    [this.outDim, this.inDim] = w.shape;
    if (!onWasm()) {
      this.w = w;
      return;
    }
    this.wT = tf.transpose(w);
    if (!keep) w.dispose();
  }

  /** x [..., in] -> [..., out]. */
  forward(x: tf.Tensor): tf.Tensor {
    const flat = x.reshape([-1, this.inDim]) as tf.Tensor2D;
    const y = this.wT ? tf.matMul(flat, this.wT) : tf.matMul(flat, this.w!, false, true);
    return y.reshape([...x.shape.slice(0, -1), this.outDim]);
  }

  /** d loss / d x of forward: dy [..., out] -> [..., in] (dy W). */
  backward(dy: tf.Tensor): tf.Tensor {
    const flat = dy.reshape([-1, this.outDim]) as tf.Tensor2D;
    // wasm: (W^T dy^T)^T keeps both operands untransposed for XNNPACK.
    const dx = this.wT ? tf.transpose(tf.matMul(this.wT, tf.transpose(flat))) : tf.matMul(flat, this.w!);
    return dx.reshape([...dy.shape.slice(0, -1), this.inDim]);
  }

  dispose(): void {
    this.w?.dispose();
    this.wT?.dispose();
  }
}

/** `l.forward` as a tape op whose gradient (l.backward) saves nothing: the weight is a constant. */
export function linear(x: tf.Tensor, l: FrozenLinear): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: l.forward(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => l.backward(dy),
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
