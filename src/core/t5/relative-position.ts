// T5's relative-position buckets (HF T5Attention._relative_position_bucket) and the per-stack bias
// they index. The bias is computed once per stack and shared by every layer of it.
import * as tf from '../tf';

const f = Math.fround;

/**
 * Bucket of one relative position (key - query). Small distances get their own bucket, larger ones
 * share log-spaced buckets up to max_distance. Arithmetic in float32 as torch does, so boundary
 * positions land in the same bucket.
 */
export function relativePositionBucket(relativePosition: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let buckets = 0;
  let n = numBuckets;
  let rp = relativePosition;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (rp > 0) buckets += n;
    rp = Math.abs(rp);
  } else {
    rp = -Math.min(rp, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (rp < maxExact) return buckets + rp;
  const scaled = f(f(f(Math.log(f(rp / maxExact))) / f(Math.log(maxDistance / maxExact))) * (n - maxExact));
  return buckets + Math.min(maxExact + Math.trunc(scaled), n - 1);
}

/** Bucket ids for queries at positions offset..offset+qLen-1 against keys 0..kLen-1: [qLen * kLen]. */
export function bucketTable(qLen: number, kLen: number, queryOffset: number, bidirectional: boolean, numBuckets: number, maxDistance: number): Int32Array {
  const out = new Int32Array(qLen * kLen);
  for (let i = 0; i < qLen; i++) {
    for (let j = 0; j < kLen; j++) {
      out[i * kLen + j] = relativePositionBucket(j - (i + queryOffset), bidirectional, numBuckets, maxDistance);
    }
  }
  return out;
}

/** Position bias [1, num_heads, qLen, kLen] from the stack's bias table [num_buckets, num_heads]. */
export function positionBias(
  table: tf.Tensor2D,
  qLen: number,
  kLen: number,
  opts: { bidirectional: boolean; maxDistance: number; queryOffset?: number },
): tf.Tensor4D {
  return tf.tidy(() => {
    const [numBuckets, numHeads] = table.shape;
    const ids = tf.tensor1d(bucketTable(qLen, kLen, opts.queryOffset ?? 0, opts.bidirectional, numBuckets, opts.maxDistance), 'int32');
    const values = tf.gather(table, ids).reshape([qLen, kLen, numHeads]); // [q, k, heads]
    return values.transpose([2, 0, 1]).expandDims(0) as tf.Tensor4D;
  });
}
