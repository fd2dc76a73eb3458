// Adafactor (Shazeer & Stern 2018) with the exact semantics of HF transformers 4.57.6
// `transformers.optimization.Adafactor.step`, in float32 like HF on CPU. The paper trains the prompt
// with it: constant lr 0.3, no parameter scaling, decay rate -0.8, weight decay 1e-5, no first moment.
import { f32, mean32, rms32, rsqrt32 } from './float32';
import { readState, toStateTensor } from './state';
import type { AdafactorOptions, OptimizerState, PromptOptimizer } from './types';

/** [rows, cols] (factored second moment) or [n] (full second moment). */
export type AdafactorShape = readonly [number] | readonly [number, number];

export function validateAdafactorOptions(o: AdafactorOptions): void {
  const fail = (what: string): never => {
    throw new RangeError(`Adafactor options: ${what}`);
  };
  // The two combination rules are HF's constructor checks.
  if (o.relativeStep && o.lr !== null) fail('a manual lr cannot be combined with relativeStep (set lr to null).');
  if (!o.relativeStep && o.lr === null) fail('lr is required when relativeStep is off.');
  if (o.warmupInit && !o.relativeStep) fail('warmupInit requires relativeStep.');
  if (o.lr !== null && !(o.lr > 0 && Number.isFinite(o.lr))) fail(`lr must be a positive number, got ${o.lr}.`);
  if (!(o.clipThreshold > 0)) fail(`clipThreshold must be > 0, got ${o.clipThreshold}.`);
  if (!(o.eps1 >= 0) || !(o.eps2 >= 0)) fail(`eps1 and eps2 must be >= 0, got ${o.eps1}, ${o.eps2}.`);
  if (!(o.decayRate < 0)) fail(`decayRate must be negative (beta2 = 1 - t^decayRate), got ${o.decayRate}.`);
  if (o.beta1 !== undefined && !(o.beta1 >= 0 && o.beta1 < 1)) fail(`beta1 must be in [0, 1), got ${o.beta1}.`);
  if (!(o.weightDecay >= 0)) fail(`weightDecay must be >= 0, got ${o.weightDecay}.`);
}

export class Adafactor implements PromptOptimizer {
  readonly kind = 'adafactor';
  private readonly size: number;
  private t = 0;
  // Factored second moment: exp_avg_sq_row [rows], exp_avg_sq_col [cols]; otherwise exp_avg_sq [n].
  private moments: Record<string, Float32Array>;

  constructor(
    private readonly shape: AdafactorShape,
    private readonly options: AdafactorOptions,
  ) {
    if (shape.length !== 1 && shape.length !== 2) throw new RangeError(`Adafactor: shape must be [rows, cols] or [n], got [${String(shape)}].`);
    if (shape.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`Adafactor: shape [${shape.join(', ')}] must be positive integers.`);
    validateAdafactorOptions(options);
    this.size = shape.reduce((a, b) => a * b, 1);
    this.moments = this.zeroMoments();
  }

  /** State tensor names and shapes, as HF names them. */
  private stateShapes(): Record<string, readonly number[]> {
    const shapes: Record<string, readonly number[]> =
      this.shape.length === 2
        ? { exp_avg_sq_row: [this.shape[0]], exp_avg_sq_col: [this.shape[1]] }
        : { exp_avg_sq: [this.shape[0]] };
    if (this.options.beta1 !== undefined) shapes.exp_avg = [...this.shape];
    return shapes;
  }

  private zeroMoments(): Record<string, Float32Array> {
    const zeros: Record<string, Float32Array> = {};
    for (const [name, shape] of Object.entries(this.stateShapes())) zeros[name] = new Float32Array(shape.reduce((a, b) => a * b, 1));
    return zeros;
  }

  /** HF `_get_lr`: relative step size (optionally warmed up) times the parameter scale max(eps2, RMS(P)). */
  private learningRate(paramRms: number): number {
    const o = this.options;
    const relativeStepSize = o.relativeStep ? Math.min(o.warmupInit ? 1e-6 * this.t : 1e-2, 1 / Math.sqrt(this.t)) : (o.lr as number);
    const paramScale = o.scaleParameter ? Math.max(o.eps2, paramRms) : 1;
    return paramScale * relativeStepSize;
  }

  step(param: Float32Array, grad: Float32Array, lrScale = 1): number {
    if (param.length !== this.size || grad.length !== this.size) {
      throw new RangeError(`Adafactor.step: param (${param.length}) and grad (${grad.length}) must both hold ${this.size} values for shape [${this.shape.join(', ')}].`);
    }
    const o = this.options;
    this.t += 1;
    const lr = this.learningRate(rms32(param)) * lrScale;
    const beta2t = 1 - Math.pow(this.t, o.decayRate);
    const keep = f32(beta2t);
    const mix = f32(1 - beta2t);

    // u = grad² + eps1 [n]
    const eps1 = f32(o.eps1);
    const u = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) u[i] = f32(f32(grad[i] * grad[i]) + eps1);

    // update = (approximate) 1/sqrt(second moment) * grad [n]
    const update = new Float32Array(this.size);
    if (this.shape.length === 2) {
      const [rows, cols] = this.shape;
      const row = this.moments.exp_avg_sq_row;
      const col = this.moments.exp_avg_sq_col;
      for (let r = 0; r < rows; r++) row[r] = f32(f32(row[r] * keep) + mix * mean32(u, r * cols, cols, 1));
      for (let c = 0; c < cols; c++) col[c] = f32(f32(col[c] * keep) + mix * mean32(u, c, rows, cols));
      // HF `_approx_sq_grad`: rsqrt(row / mean(row)) [rows, 1] * rsqrt(col) [1, cols]
      const rowMean = mean32(row, 0, rows, 1);
      const colFactor = col.map(rsqrt32);
      for (let r = 0; r < rows; r++) {
        const rowFactor = rsqrt32(f32(row[r] / rowMean));
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          update[i] = f32(f32(rowFactor * colFactor[c]) * grad[i]);
        }
      }
    } else {
      const v = this.moments.exp_avg_sq;
      for (let i = 0; i < this.size; i++) {
        v[i] = f32(f32(v[i] * keep) + mix * u[i]);
        update[i] = f32(rsqrt32(v[i]) * grad[i]);
      }
    }

    // Clip the update's RMS to clipThreshold, then scale by lr.
    const clip = Math.max(f32(rms32(update) / f32(o.clipThreshold)), 1);
    const lr32 = f32(lr);
    for (let i = 0; i < this.size; i++) update[i] = f32(f32(update[i] / clip) * lr32);

    let applied: Float32Array = update;
    if (o.beta1 !== undefined) {
      const m = this.moments.exp_avg;
      const b1 = f32(o.beta1);
      const oneMinusB1 = f32(1 - o.beta1);
      for (let i = 0; i < this.size; i++) m[i] = f32(f32(m[i] * b1) + oneMinusB1 * update[i]);
      applied = m;
    }

    // HF decays the weights before the update, scaled by lr: P -= P * weightDecay * lr.
    if (o.weightDecay !== 0) {
      const decay = f32(-o.weightDecay * lr);
      for (let i = 0; i < this.size; i++) param[i] = f32(param[i] + decay * param[i]);
    }
    for (let i = 0; i < this.size; i++) param[i] = f32(param[i] - applied[i]);
    return lr;
  }

  getState(): OptimizerState {
    const tensors: OptimizerState['tensors'] = {};
    for (const [name, shape] of Object.entries(this.stateShapes())) tensors[name] = toStateTensor(shape, this.moments[name]);
    return { kind: this.kind, step: this.t, tensors };
  }

  setState(state: OptimizerState): void {
    const { step, tensors } = readState(state, this.kind, this.stateShapes());
    this.t = step;
    this.moments = tensors;
  }
}
