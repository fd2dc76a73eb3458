// Matrix products shaped for the backends we run on.
// - tensorflow: oneDNN multiplies fastest through TensorFlow's 2-D MatMul op with untransposed
//   operands (~330 GFLOP/s here, against ~290 for BatchMatMulV2 or a transposed operand); a
//   product of a few rows (decoding) is one BatchMatMulV2, without reshapes (native.ts matrixProduct).
// - wasm: tfjs-backend-wasm sends a product to XNNPACK only when it is ONE 2-D product with no
//   transposed operand; a batch or a transpose falls to a loop 10-50x slower. So there every product
//   is plain 2-D products with explicit transposes of activations.
// - webgpu: tfjs' WebGPU matmul programs take a transposed operand and a batch dimension in the
//   shader itself (the tile loads swap the indices), so batched and transposed products stay single
//   dispatches, as on tensorflow; the wasm path's per-slice products and explicit transposes would
//   multiply dispatches and copies there.
// All want the weights of forward products transposed ([in, out]): that is how they are stored.
import * as tf from '../tf';
import { batchMatMul, matrixProduct } from './native';

const onWasm = () => tf.getBackend() === 'wasm';

/**
 * A frozen linear map x -> x W^T, W [out, in] in HF's layout, stored transposed ([in, out]) so the
 * forward product has no transposed operand (wasm: XNNPACK keeps it packed between calls, 1.6x;
 * tensorflow: 1.15x, and 3x for tied embeddings' vocabulary product while generating).
 */
export class FrozenLinear {
  readonly outDim: number;
  readonly inDim: number;
  private readonly wT: tf.Tensor2D; // [in, out]

  /** Takes ownership of `wT`, the weight already transposed: [in, out]. */
  constructor(wT: tf.Tensor2D) {
    [this.inDim, this.outDim] = wT.shape;
    this.wT = wT;
  }

  /** x [..., in] -> [..., out]. */
  forward(x: tf.Tensor): tf.Tensor {
    return matrixProduct(x, this.wT);
  }

  /** d loss / d x of forward: dy [..., out] -> [..., in] (dy W). */
  backward(dy: tf.Tensor): tf.Tensor {
    if (!onWasm()) return matrixProduct(dy, this.wT, true);
    // wasm: (W^T dy^T)^T keeps both operands untransposed for XNNPACK.
    const flat = dy.reshape([-1, this.outDim]) as tf.Tensor2D;
    return tf.transpose(tf.matMul(this.wT, tf.transpose(flat))).reshape([...dy.shape.slice(0, -1), this.inDim]);
  }

  dispose(): void {
    this.wT.dispose();
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
  if (!onWasm()) return batchMatMul(a, b, transposeA, transposeB);
  const lead = a.shape.slice(0, -2);
  const last2 = (t: tf.Tensor) => t.reshape([-1, ...t.shape.slice(-2)]) as tf.Tensor3D;
  const swap = (t: tf.Tensor3D) => tf.transpose(t, [0, 2, 1]);
  const as = tf.unstack(transposeA ? swap(last2(a)) : last2(a)) as tf.Tensor2D[];
  const bs = tf.unstack(transposeB ? swap(last2(b)) : last2(b)) as tf.Tensor2D[];
  const out = tf.stack(as.map((x, i) => tf.matMul(x, bs[i])));
  return out.reshape([...lead, ...out.shape.slice(-2)]);
}
