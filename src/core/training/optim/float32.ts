// Float32 arithmetic as torch does it on CPU: every tensor op rounds its result to float32, and a Python
// float scalar is cast to float32 before it meets a float32 tensor. Sums run in float64 and round once,
// which is at least as accurate as torch's float32 cascade sum (differences stay at the last ulp).

export const f32 = Math.fround;

/** torch `x.norm(2) / numel**0.5` on a float32 tensor, as a float32 value. */
export function rms32(x: Float32Array): number {
  let sumSq = 0;
  for (let i = 0; i < x.length; i++) sumSq += x[i] * x[i];
  return f32(f32(Math.sqrt(sumSq)) / f32(Math.sqrt(x.length)));
}

/** torch `x.mean()` over `count` float32 values read at `start + i * stride`. */
export function mean32(x: Float32Array, start: number, count: number, stride: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += x[start + i * stride];
  return f32(f32(sum) / count);
}

/** torch `rsqrt` on float32: a correctly rounded sqrt, then a correctly rounded reciprocal. */
export function rsqrt32(x: number): number {
  return f32(1 / f32(Math.sqrt(x)));
}
