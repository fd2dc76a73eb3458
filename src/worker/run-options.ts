// Turns the host's RunRequest (only what the user chose) into the engine's RunOptions, filling in
// the paper's defaults. Done here, in the worker, so the extension host never loads core/training.
import { parseBackendRequest } from '../core/backend';
import { DEFAULTS, type RunOptions } from '../core/training/options';
import { parseInit } from '../core/prompt/init';
import type { RunRequest } from './protocol';

export function resolveRunOptions(req: RunRequest): RunOptions {
  return {
    model: req.model,
    train: req.train,
    valid: req.valid,
    validFraction: DEFAULTS.validFraction,
    inputField: req.inputField,
    targetField: req.targetField,
    template: req.template,
    verbalizer: req.verbalizer,
    labels: req.labels,
    skipInvalid: DEFAULTS.skipInvalid,
    promptLength: req.promptLength ?? DEFAULTS.promptLength,
    init: req.init ? parseInit(req.init) : DEFAULTS.init,
    optimizer: req.optimizer ?? DEFAULTS.optimizer,
    lr: req.lr,
    batchSize: req.batchSize ?? DEFAULTS.batchSize,
    steps: req.steps ?? DEFAULTS.steps,
    evalEvery: req.evalEvery ?? DEFAULTS.evalEvery,
    checkpointEvery: req.checkpointEvery ?? DEFAULTS.checkpointEvery,
    metric: DEFAULTS.metric,
    maxInputLength: req.maxInputLength ?? DEFAULTS.maxInputLength,
    maxTargetLength: DEFAULTS.maxTargetLength,
    seed: req.seed ?? DEFAULTS.seed,
    out: req.out,
    resume: req.resume,
    backend: parseBackendRequest(req.backend, 'promptTuner.backend'),
  };
}
