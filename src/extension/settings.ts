// The extension's settings (contributes.configuration "promptTuner.*"), read once into a typed
// object. Every one is listed in capabilities.untrustedWorkspaces.restrictedConfigurations, so in an
// untrusted workspace VS Code hands us only the user's own values, never the workspace's.
import * as vscode from 'vscode';

export const BACKENDS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export const OPTIMIZERS = ['adafactor', 'adam'] as const;

export interface TunerSettings {
  model: string;
  outputFolder: string;
  backend: (typeof BACKENDS)[number];
  promptLength: number;
  init: string;
  optimizer: (typeof OPTIMIZERS)[number];
  learningRate?: number; // absent: the optimiser's default (0.3 for Adafactor, the paper's)
  batchSize: number;
  steps: number;
  evalEvery: number;
  /** The npm that installs the native backend; absent: searched in PATH and the usual places. */
  npmPath?: string;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

export function readSettings(): TunerSettings {
  const c = vscode.workspace.getConfiguration('promptTuner');
  const lr = c.get<unknown>('learningRate');
  return {
    model: c.get<string>('model') || 'google/t5-base-lm-adapt',
    outputFolder: c.get<string>('outputFolder') || '.prompts',
    backend: oneOf(c.get('backend'), BACKENDS, 'auto'),
    promptLength: positiveInt(c.get('promptLength'), 20),
    init: c.get<string>('init') || 'class-labels',
    optimizer: oneOf(c.get('optimizer'), OPTIMIZERS, 'adafactor'),
    learningRate: typeof lr === 'number' && lr > 0 ? lr : undefined,
    batchSize: positiveInt(c.get('batchSize'), 32),
    steps: positiveInt(c.get('steps'), 1000),
    evalEvery: positiveInt(c.get('evalEvery'), 100),
    npmPath: c.get<string>('npmPath')?.trim() || undefined,
  };
}
