// Token cross-entropy over the vocabulary as one tape op. tfjs' autodiff of logSoftmax times one-hot
// targets keeps ~10 arrays of [tokens, vocab_size] alive (66 MB each at batch 32, 16 target tokens);
// this keeps one: the gradient, softmax - one-hot, made in the forward pass. On the native backend
// it is TensorFlow's fused SparseSoftmaxCrossEntropyWithLogits kernel, on webgpu two of ours.
import * as tf from '../tf';
import { sparseSoftmaxCrossEntropy } from '../tensor/native';

/** Row i's label and weight; label -100 (HF's ignore index) weighs nothing. */
function targets(labels: readonly number[], vocab: number): Int32Array {
  for (const id of labels) if (id !== -100 && (id < 0 || id >= vocab)) throw new Error(`Label id ${id} is outside the vocabulary (0..${vocab - 1}).`);
  return Int32Array.from(labels, (id) => (id === -100 ? 0 : id));
}

/** -log softmax(logits)[label] per row [N] and, when asked, d/d logits = softmax - one-hot [N, V]. */
function crossEntropyParts(logits: tf.Tensor2D, ids: tf.Tensor1D, withGrad: boolean): { loss: tf.Tensor1D; grad?: tf.Tensor2D } {
  const native = sparseSoftmaxCrossEntropy(logits, ids, withGrad);
  if (native) return native;
  const logp = tf.logSoftmax(logits);
  const oneHot = tf.oneHot(ids, logits.shape[1]);
  const loss = tf.neg(tf.sum(tf.mul(logp, oneHot), -1)) as tf.Tensor1D;
  return withGrad ? { loss, grad: tf.sub(tf.exp(logp), oneHot) as tf.Tensor2D } : { loss };
}

/**
 * sum_i w_i * -log softmax(logits_i)[label_i], a scalar on the tape: logits [N, vocab], `weights`
 * per row (0 for ignored rows). Its gradient is (softmax - one-hot) * w.
 */
export function weightedCrossEntropy(logits: tf.Tensor2D, labels: readonly number[], weights: readonly number[]): tf.Scalar {
  const ids = tf.tensor1d(targets(labels, logits.shape[1]), 'int32');
  const w = tf.tensor2d(Float32Array.from(weights), [weights.length, 1]);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const { loss, grad } = crossEntropyParts(x, ids, true);
    save([grad!, w]);
    return { value: tf.sum(tf.mul(loss, w.reshape([-1]))), gradFunc: (dy: tf.Tensor, [g, rowWeights]: tf.Tensor[]) => tf.mul(g, tf.mul(rowWeights, dy)) };
  });
  const value = op(logits) as tf.Scalar;
  tf.dispose([ids, w]);
  return value;
}

/** log softmax(logits_i)[label_i] per row [N] (no gradient): rank classification's token scores. */
export function labelLogProbs(logits: tf.Tensor2D, labels: readonly number[]): tf.Tensor1D {
  return tf.tidy(() => {
    const ids = tf.tensor1d(targets(labels, logits.shape[1]), 'int32');
    const keep = tf.tensor1d(labels.map((id) => (id === -100 ? 0 : 1)), 'float32');
    return tf.mul(tf.neg(crossEntropyParts(logits, ids, false).loss), keep) as tf.Tensor1D;
  });
}
