// Shared contract of the prompt optimisers. The only trained tensor is the soft prompt P [k, d_model].
import type { OptimizerKind } from '../../engine-names';

export type { OptimizerKind } from '../../engine-names';

/** A float32 tensor as plain JSON (row-major `data`); float32 values survive JSON's float64 exactly. */
export interface StateTensor {
  shape: number[];
  data: number[];
}

/** Everything an optimiser needs to continue exactly where it stopped (checkpoints, resume). */
export interface OptimizerState {
  kind: OptimizerKind;
  /** Number of steps taken so far (HF/torch `state["step"]`). */
  step: number;
  tensors: Record<string, StateTensor>;
}

export interface PromptOptimizer {
  readonly kind: OptimizerKind;
  /**
   * Updates `param` in place from `grad` (same length, row-major [rows, cols]) at the learning rate
   * times `lrScale` (a schedule's factor: warmup). Returns the learning rate used.
   */
  step(param: Float32Array, grad: Float32Array, lrScale?: number): number;
  /** A JSON-serialisable deep copy of the state. */
  getState(): OptimizerState;
  /** Replaces the state; throws a clear error if the kind, step or any tensor shape does not fit this optimiser. */
  setState(state: OptimizerState): void;
}

/** HF `transformers.optimization.Adafactor` hyperparameters, camel-cased. */
export interface AdafactorOptions {
  /** External learning rate; must be null exactly when `relativeStep` is on (HF: `lr=None`). */
  lr: number | null;
  /** HF `eps[0]`: added to grad² (regulariser of the second moment). */
  eps1: number;
  /** HF `eps[1]`: lower bound of the parameter scale (only with `scaleParameter`). */
  eps2: number;
  clipThreshold: number;
  decayRate: number;
  /** First-moment decay; undefined = no first moment (HF `beta1=None`). */
  beta1?: number;
  weightDecay: number;
  scaleParameter: boolean;
  relativeStep: boolean;
  warmupInit: boolean;
}

/** torch.optim.Adam hyperparameters (amsgrad, maximize and decoupled weight decay off). */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L2 penalty added to the gradient (torch Adam, not AdamW). */
  weightDecay: number;
}
