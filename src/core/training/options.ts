// A run's options as the engine takes them: the output of the settings schema, which defines every
// setting once with its range and default (src/core/settings/run-settings.ts).
import * as v from 'valibot';
import { RunSettingsSchema, type RunSettings } from '../settings/run-settings';
import type { DataSpec } from './data/dataset';

export type RunOptions = RunSettings;
export type { Metric, OptimizerKind } from '../engine-names';

/** How the run reads its data files: the same for training, a sweep's text prompts and an exported job. */
export function runDataSpec(opts: RunOptions): DataSpec {
  return { inputField: opts.inputField, targetField: opts.targetField, template: opts.template, verbalizer: opts.verbalizer, labels: opts.labels, skipInvalid: opts.skipInvalid, task: opts.task };
}

/** Every setting's default (the paper's), as users write it. */
export const DEFAULTS = v.getDefaults(RunSettingsSchema);
