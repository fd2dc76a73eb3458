// The train/eval/try flags, parsed once into typed objects (RunOptions and friends).
import { parseBackendRequest } from '../core/backend';
import { parsePrecision } from '../core/precision';
import { DEFAULTS, type Metric, type OptimizerKind, type RunOptions } from '../core/training/options';
import { parseInit } from '../core/prompt/init';

export type Flags = Record<string, string | boolean | undefined>;

export class UsageError extends Error {}

export function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value.`);
  return v;
}

export function need(flags: Flags, name: string, what: string): string {
  const v = str(flags, name);
  if (v === undefined) throw new UsageError(`--${name} is required: ${what}.`);
  return v;
}

export function num(flags: Flags, name: string, integer: boolean): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} (got "${v}").`);
  return n;
}

function oneOf<T extends string>(flags: Flags, name: string, allowed: readonly T[], fallback: T): T {
  const v = str(flags, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${v}").`);
  return v as T;
}

export function labelsOf(flags: Flags): string[] | undefined {
  const v = str(flags, 'labels');
  if (v === undefined) return undefined;
  const labels = v.split(',').map((l) => l.trim());
  if (labels.some((l) => l === '')) throw new UsageError(`--labels "${v}" has an empty label; give words separated by commas, e.g. --labels yes,no.`);
  return labels;
}

export function metricOf(flags: Flags, fallback: Metric): Metric {
  return oneOf(flags, 'metric', ['exact-match', 'rank'] as const, fallback);
}

export function runOptions(flags: Flags): RunOptions {
  let init;
  try {
    init = flags.init === undefined ? DEFAULTS.init : parseInit(need(flags, 'init', 'a prompt initialisation'));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const steps = num(flags, 'steps', true) ?? DEFAULTS.steps;
  const evalEvery = num(flags, 'eval-every', true) ?? Math.min(DEFAULTS.evalEvery, steps);
  return {
    model: need(flags, 'model', 'a model folder or hub id, e.g. --model google/flan-t5-small'),
    train: need(flags, 'train', 'a JSONL, CSV or TSV training file'),
    valid: str(flags, 'valid'),
    validFraction: num(flags, 'valid-fraction', false) ?? DEFAULTS.validFraction,
    inputField: str(flags, 'input-field'),
    targetField: str(flags, 'target-field'),
    template: str(flags, 'template'),
    verbalizer: str(flags, 'verbalizer'),
    labels: labelsOf(flags),
    skipInvalid: flags['skip-invalid'] === true,
    promptLength: num(flags, 'prompt-length', true) ?? DEFAULTS.promptLength,
    init,
    optimizer: oneOf<OptimizerKind>(flags, 'optimizer', ['adafactor', 'adam'], DEFAULTS.optimizer),
    lr: num(flags, 'lr', false),
    weightDecay: num(flags, 'weight-decay', false),
    batchSize: num(flags, 'batch-size', true) ?? DEFAULTS.batchSize,
    microBatch: flags['micro-batch'] === 'auto' ? undefined : num(flags, 'micro-batch', true),
    steps,
    evalEvery,
    checkpointEvery: num(flags, 'checkpoint-every', true) ?? evalEvery,
    metric: metricOf(flags, DEFAULTS.metric),
    patience: num(flags, 'patience', true),
    dropout: num(flags, 'dropout', false),
    maxInputLength: num(flags, 'max-input-length', true) ?? DEFAULTS.maxInputLength,
    maxTargetLength: num(flags, 'max-target-length', true) ?? DEFAULTS.maxTargetLength,
    seed: num(flags, 'seed', true) ?? DEFAULTS.seed,
    out: need(flags, 'out', 'the run folder to write the prompt and checkpoints to'),
    resume: str(flags, 'resume'),
    backend: backendOf(flags),
    precision: precisionOf(flags),
  };
}

export function precisionOf(flags: Flags): RunOptions['precision'] {
  try {
    return parsePrecision(str(flags, 'precision') ?? process.env.PROMPT_TUNER_PRECISION, str(flags, 'precision') ? '--precision' : 'PROMPT_TUNER_PRECISION');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function backendOf(flags: Flags): RunOptions['backend'] {
  try {
    return parseBackendRequest(str(flags, 'backend') ?? process.env.PROMPT_TUNER_BACKEND, str(flags, 'backend') ? '--backend' : 'PROMPT_TUNER_BACKEND');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
