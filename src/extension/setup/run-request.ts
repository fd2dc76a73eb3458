// Turns the user's choices (the setup form, the guided flow's answers, or the Tune Prompt command's
// argument object) into the RunRequest sent to the worker: paths made absolute against the workspace,
// labels split, empty fields left to the engine's defaults, and a fresh run folder. No vscode import.
import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import type { RunRequest } from '../../worker/protocol';
import type { TunerSettings } from '../settings';

/** What a caller of "Prompt Tuning: Tune Prompt" may pass; every field is optional. */
export interface TuneChoices {
  model?: string;
  train?: string;
  valid?: string;
  inputField?: string;
  targetField?: string;
  template?: string;
  labels?: string[] | string;
  promptLength?: number;
  init?: string;
  optimizer?: 'adafactor' | 'adam';
  lr?: number | string;
  batchSize?: number;
  steps?: number;
  evalEvery?: number;
  checkpointEvery?: number;
  backend?: string;
  name?: string;
}

export class ChoiceError extends Error {}

function absolute(path: string, root: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}

/** A model is a hub id ("org/name") unless it names an existing folder. */
export function resolveModel(model: string, root: string): string {
  const local = absolute(model, root);
  return existsSync(local) || model.startsWith('.') || isAbsolute(model) ? local : model;
}

export function parseLabels(labels: string[] | string | undefined): string[] | undefined {
  if (labels === undefined) return undefined;
  const list = (Array.isArray(labels) ? labels : labels.split(',')).map((l) => l.trim()).filter((l) => l !== '');
  return list.length > 0 ? list : undefined;
}

function positiveNumber(value: number | string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ChoiceError(`${what} must be a positive number, got ${JSON.stringify(value)}.`);
  return n;
}

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new ChoiceError(`${what} must be a whole number of at least 1, got ${value}.`);
  return value;
}

/** `<root>/<outputFolder>/<dataset name>-<n>`, the first n whose folder does not exist and is not taken. */
export function newRunFolder(root: string, outputFolder: string, train: string, taken: (dir: string) => boolean): string {
  const parent = absolute(outputFolder, root);
  const base = basename(train, extname(train)).replace(/[^\w.-]+/g, '-') || 'run';
  for (let n = 1; ; n++) {
    const dir = join(parent, `${base}-${n}`);
    if (!existsSync(dir) && !taken(dir)) return dir;
  }
}

export function buildRunRequest(choices: TuneChoices, settings: TunerSettings, root: string, taken: (dir: string) => boolean): RunRequest {
  const model = (choices.model ?? settings.model).trim();
  if (!model) throw new ChoiceError('Choose a model: a folder with a T5 checkpoint or a hub id such as google/t5-base-lm-adapt.');
  const trainChoice = choices.train?.trim();
  if (!trainChoice) throw new ChoiceError('Choose a training file (JSON Lines, CSV or TSV).');
  const train = absolute(trainChoice, root);
  if (!existsSync(train)) throw new ChoiceError(`The training file ${train} does not exist.`);
  const template = choices.template?.trim() || undefined;
  const request: RunRequest = {
    model: resolveModel(model, root),
    train,
    out: newRunFolder(root, settings.outputFolder, train, taken),
    promptLength: positiveInt(choices.promptLength, settings.promptLength, 'Prompt length'),
    init: choices.init?.trim() || settings.init,
    optimizer: choices.optimizer ?? settings.optimizer,
    batchSize: positiveInt(choices.batchSize, settings.batchSize, 'Batch size'),
    steps: positiveInt(choices.steps, settings.steps, 'Steps'),
    evalEvery: positiveInt(choices.evalEvery, settings.evalEvery, 'Evaluate every'),
    backend: choices.backend?.trim() || settings.backend,
  };
  const lr = positiveNumber(choices.lr, 'Learning rate') ?? (choices.optimizer === undefined || choices.optimizer === settings.optimizer ? settings.learningRate : undefined);
  if (lr !== undefined) request.lr = lr;
  if (choices.checkpointEvery !== undefined) request.checkpointEvery = positiveInt(choices.checkpointEvery, 1, 'Checkpoint every');
  if (choices.valid?.trim()) request.valid = absolute(choices.valid.trim(), root);
  if (template) request.template = template;
  else if (choices.inputField?.trim()) request.inputField = choices.inputField.trim();
  if (choices.targetField?.trim()) request.targetField = choices.targetField.trim();
  const labels = parseLabels(choices.labels);
  if (labels) request.labels = labels;
  return request;
}

/** "keywords-1 · t5-tiny" style name for lists. */
export function runName(request: RunRequest): string {
  return `${basename(request.out)} · ${basename(request.model)}`;
}
