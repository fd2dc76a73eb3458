// Optimisers for the soft prompt P [k, d_model]: the paper's Adafactor and torch's Adam.
import { Adafactor } from './adafactor';
import { Adam } from './adam';
import type { AdafactorOptions, AdamOptions, OptimizerKind, PromptOptimizer } from './types';

export type { AdafactorOptions, AdamOptions, OptimizerKind, OptimizerState, PromptOptimizer, StateTensor } from './types';
export { Adafactor, validateAdafactorOptions, type AdafactorShape } from './adafactor';
export { Adam, validateAdamOptions } from './adam';
export { OptimizerStateError } from './state';
export { warmupFactor } from './schedule';

/** Lester et al. 2021: Adafactor(lr=0.3, scale_parameter=False, relative_step=False, warmup_init=False, weight_decay=1e-5), HF defaults otherwise. */
export const PAPER_ADAFACTOR: Readonly<AdafactorOptions> = Object.freeze({
  lr: 0.3,
  eps1: 1e-30,
  eps2: 1e-3,
  clipThreshold: 1.0,
  decayRate: -0.8,
  beta1: undefined,
  weightDecay: 1e-5,
  scaleParameter: false,
  relativeStep: false,
  warmupInit: false,
});

/** torch.optim.Adam defaults, except lr: 1e-2 suits a prompt (torch's 1e-3 barely moves it in short runs). */
export const DEFAULT_ADAM: Readonly<AdamOptions> = Object.freeze({ lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });

export type OptimizerSettings = { kind: 'adafactor'; options: AdafactorOptions } | { kind: 'adam'; options: AdamOptions };

/** The hyperparameters of `kind`: its defaults with optional overrides (what createOptimizer uses, and an exported job). */
export function optimizerSettings(kind: OptimizerKind, overrides: { lr?: number; weightDecay?: number } = {}): OptimizerSettings {
  switch (kind) {
    case 'adafactor':
      return { kind, options: { ...PAPER_ADAFACTOR, lr: overrides.lr ?? PAPER_ADAFACTOR.lr, weightDecay: overrides.weightDecay ?? PAPER_ADAFACTOR.weightDecay } };
    case 'adam':
      return { kind, options: { ...DEFAULT_ADAM, lr: overrides.lr ?? DEFAULT_ADAM.lr, weightDecay: overrides.weightDecay ?? DEFAULT_ADAM.weightDecay } };
    default:
      throw new RangeError(`Unknown optimizer "${String(kind)}"; use "adafactor" or "adam".`);
  }
}

/** A fresh optimiser for a prompt of `shape` [k, d_model], with the default hyperparameters of `kind` and optional overrides. */
export function createOptimizer(
  kind: OptimizerKind,
  shape: readonly [number, number],
  overrides: { lr?: number; weightDecay?: number } = {},
): PromptOptimizer {
  const settings = optimizerSettings(kind, overrides);
  return settings.kind === 'adafactor' ? new Adafactor(shape, settings.options) : new Adam(shape, settings.options);
}
