// Every setting of a prompt-tuning run, parsed once (CLI flags, extension settings, the panel's form)
// into this typed object and passed down. Defaults follow the paper (Lester et al. 2021, §3).
import type { BackendRequest } from '../backend';
import type { PromptInit } from '../prompt/init';
import type { Precision } from '../precision';

export type OptimizerKind = 'adafactor' | 'adam';
export type Metric = 'exact-match' | 'rank';

export interface RunOptions {
  model: string; // folder or hub id
  train: string; // data file
  valid?: string; // data file; carved from train when absent
  validFraction: number;
  inputField?: string;
  targetField?: string;
  template?: string;
  verbalizer?: string; // "0=no,1=yes"
  labels?: string[];
  skipInvalid: boolean;
  promptLength: number;
  init: PromptInit;
  optimizer: OptimizerKind;
  lr?: number; // default per optimiser: 0.3 Adafactor (paper), 1e-3 Adam... see defaults
  weightDecay?: number;
  batchSize: number;
  /** Rows per forward/backward pass; absent: planned from the backend's memory (micro-batch.ts). */
  microBatch?: number;
  steps: number;
  evalEvery: number;
  checkpointEvery: number;
  metric: Metric;
  patience?: number; // evaluations without improvement before stopping
  dropout?: number; // default: the model config's dropout_rate
  maxInputLength: number; // tokens including the prompt
  maxTargetLength: number;
  seed: number;
  out: string; // run folder
  resume?: string; // checkpoint folder to continue from
  backend: BackendRequest;
  /** fp32 (exact) or bf16-math (oneDNN's BF16 products on the native backend); default fp32. */
  precision?: Precision;
}

export const DEFAULTS = {
  validFraction: 0.1,
  skipInvalid: false,
  promptLength: 20,
  init: { kind: 'class-labels' } as PromptInit,
  optimizer: 'adafactor' as OptimizerKind,
  batchSize: 32,
  steps: 1000,
  evalEvery: 100,
  checkpointEvery: 100,
  metric: 'rank' as Metric,
  maxInputLength: 512,
  maxTargetLength: 16,
  seed: 0,
  backend: 'auto' as BackendRequest,
} as const;
