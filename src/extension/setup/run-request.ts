// Turns the user's choices (the setup form, the guided flow's answers, or the Tune Prompt command's
// argument object) into a run's settings for the worker: the VS Code settings under the choices,
// paths made absolute against the workspace, a fresh run folder, then checked and completed by the
// settings schema. No vscode import.
import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { HUB_DATASET_FORM, hubDatasetProblem, isHubDataset, parseHubDataset } from '../../core/dataset-spec';
import type { Naming } from '../../core/schema';
import { resolveRunSettings, type RunSettings, type RunSettingsInput, type SettingName } from '../../core/settings/run-settings';
import { withTaskPreset } from '../../core/settings/task-presets';
import type { TunerSettings } from '../configuration';

/** What a caller of "Prompt Tuning: Tune Prompt" may pass: any run setting but `out`, and the run's name. */
export type TuneChoices = Partial<Omit<RunSettingsInput, 'out'>> & { name?: string };

/** A choice that cannot work; `field` is the setting at fault. */
export class ChoiceError extends Error {
  constructor(
    message: string,
    readonly field: SettingName,
  ) {
    super(message);
  }
}

function absolute(path: string, root: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}

/** A model is a hub id ("org/name") unless it names an existing folder. */
export function resolveModel(model: string, root: string): string {
  const local = absolute(model, root);
  return existsSync(local) || model.startsWith('.') || isAbsolute(model) ? local : model;
}

/** The data's name for run folders: the file's without extension, or a hub dataset's name and config. */
function dataName(train: string): string {
  if (!isHubDataset(train)) return basename(train, extname(train));
  const spec = parseHubDataset(train);
  return [spec.repo.split('/').pop(), spec.config].filter(Boolean).join('-');
}

/** `<root>/<outputFolder>/<dataset name>-<n>`, the first n whose folder does not exist and is not taken. */
export function newRunFolder(root: string, outputFolder: string, train: string, taken: (dir: string) => boolean): string {
  const parent = absolute(outputFolder, root);
  const base = dataName(train).replace(/[^\w.-]+/g, '-') || 'run';
  for (let n = 1; ; n++) {
    const dir = join(parent, `${base}-${n}`);
    if (!existsSync(dir) && !taken(dir)) return dir;
  }
}

/**
 * The run's settings: the choices, then a task preset's settings (the paper's setup), over the VS Code
 * settings (whose learning rate only applies to its own optimiser), checked. Throws SchemaError
 * (named by `naming`) or ChoiceError.
 */
export function buildRunRequest(choices: Partial<Record<SettingName, unknown>>, settings: TunerSettings, root: string, taken: (dir: string) => boolean, naming?: Naming): RunSettings {
  const chosen = withTaskPreset(choices);
  const { lr, ...defaults } = settings.run;
  const sameOptimizer = chosen.optimizer === undefined || chosen.optimizer === defaults.optimizer;
  const input: Record<string, unknown> = { ...defaults, ...(sameOptimizer && lr !== undefined ? { lr } : {}), ...chosen };
  if (typeof input.model === 'string') input.model = resolveModel(input.model.trim(), root);
  for (const key of ['train', 'valid', 'resume'] as const) {
    const value = input[key];
    if (typeof value === 'string' && value && !isHubDataset(value)) input[key] = absolute(value, root);
  }
  // A template replaces the input field.
  if (input.template !== undefined) delete input.inputField;
  const train = input.train;
  if (typeof train !== 'string' || !train) throw new ChoiceError('Choose a training file (JSON Lines, CSV, TSV or Parquet), a hub dataset (hf:org/name) or a task preset.', 'train');
  if (!isHubDataset(train) && !existsSync(train)) throw new ChoiceError(`The training file ${train} does not exist.`, 'train');
  const hubProblem = isHubDataset(train) ? hubDatasetProblem(train) : undefined;
  if (hubProblem !== undefined) throw new ChoiceError(`${train} is not a hub dataset (${HUB_DATASET_FORM}): ${hubProblem}.`, 'train');
  // A task's run is named for the task, whatever its data.
  input.out = newRunFolder(root, settings.outputFolder, typeof input.task === 'string' ? input.task : train, taken);
  return resolveRunSettings(input, naming);
}

/** "keywords-1 · t5-tiny" style name for lists. */
export function runName(request: Pick<RunSettings, 'out' | 'model'>): string {
  return `${basename(request.out)} · ${basename(request.model)}`;
}
