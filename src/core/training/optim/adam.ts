// Adam with the exact semantics of torch.optim.Adam's single-tensor path (torch 2.x, CPU, amsgrad off),
// in float32 like torch. Bias corrections are Python floats, applied in torch's order:
// P += -(lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps).
import { f32 } from './float32';
import { readState, toStateTensor } from './state';
import type { AdamOptions, OptimizerState, PromptOptimizer } from './types';

export function validateAdamOptions(o: AdamOptions): void {
  const fail = (what: string): never => {
    throw new RangeError(`Adam options: ${what}`);
  };
  if (!(o.lr > 0 && Number.isFinite(o.lr))) fail(`lr must be a positive number, got ${o.lr}.`);
  if (!(o.beta1 >= 0 && o.beta1 < 1)) fail(`beta1 must be in [0, 1), got ${o.beta1}.`);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) fail(`beta2 must be in [0, 1), got ${o.beta2}.`);
  if (!(o.eps >= 0)) fail(`eps must be >= 0, got ${o.eps}.`);
  if (!(o.weightDecay >= 0)) fail(`weightDecay must be >= 0, got ${o.weightDecay}.`);
}

export class Adam implements PromptOptimizer {
  readonly kind = 'adam';
  private readonly size: number;
  private t = 0;
  private expAvg: Float32Array; // m [rows, cols]
  private expAvgSq: Float32Array; // v [rows, cols]

  constructor(
    private readonly shape: readonly [number, number],
    private readonly options: AdamOptions,
  ) {
    if (shape.length !== 2 || shape.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new RangeError(`Adam: shape must be [rows, cols] of positive integers, got [${String(shape)}].`);
    }
    validateAdamOptions(options);
    this.size = shape[0] * shape[1];
    this.expAvg = new Float32Array(this.size);
    this.expAvgSq = new Float32Array(this.size);
  }

  step(param: Float32Array, grad: Float32Array, lrScale = 1): number {
    if (param.length !== this.size || grad.length !== this.size) {
      throw new RangeError(`Adam.step: param (${param.length}) and grad (${grad.length}) must both hold ${this.size} values for shape [${this.shape.join(', ')}].`);
    }
    const { beta1, beta2, eps, weightDecay } = this.options;
    const lr = this.options.lr * lrScale;
    this.t += 1;
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2 = 1 - Math.pow(beta2, this.t);
    const negStepSize = f32(-(lr / bc1));
    const bc2Sqrt = f32(Math.sqrt(bc2));
    const wd = f32(weightDecay);
    const w1 = f32(1 - beta1); // lerp weight (< 0.5 for usual betas: m + w * (g - m))
    const b2 = f32(beta2);
    const w2 = f32(1 - beta2);
    const eps32 = f32(eps);
    const m = this.expAvg;
    const v = this.expAvgSq;
    for (let i = 0; i < this.size; i++) {
      // torch Adam's weight decay is an L2 term in the gradient.
      const g = weightDecay !== 0 ? f32(grad[i] + wd * param[i]) : grad[i];
      m[i] = w1 < 0.5 ? f32(m[i] + w1 * f32(g - m[i])) : f32(g - f32(g - m[i]) * f32(1 - w1));
      v[i] = f32(f32(v[i] * b2) + f32(f32(w2 * g) * g));
      const denom = f32(f32(f32(Math.sqrt(v[i])) / bc2Sqrt) + eps32);
      param[i] = f32(param[i] + f32(negStepSize * m[i]) / denom);
    }
    return lr;
  }

  getState(): OptimizerState {
    return {
      kind: this.kind,
      step: this.t,
      tensors: { exp_avg: toStateTensor(this.shape, this.expAvg), exp_avg_sq: toStateTensor(this.shape, this.expAvgSq) },
    };
  }

  setState(state: OptimizerState): void {
    const { step, tensors } = readState(state, this.kind, { exp_avg: this.shape, exp_avg_sq: this.shape });
    this.t = step;
    this.expAvg = tensors.exp_avg;
    this.expAvgSq = tensors.exp_avg_sq;
  }
}
