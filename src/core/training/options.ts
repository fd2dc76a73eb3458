// A run's options as the engine takes them: the output of the settings schema, which defines every
// setting once with its range and default (src/core/settings/run-settings.ts).
import * as v from 'valibot';
import { RunSettingsSchema, type RunSettings } from '../settings/run-settings';

export type RunOptions = RunSettings;
export type { Metric, OptimizerKind } from '../engine-names';

/** Every setting's default (the paper's), as users write it. */
export const DEFAULTS = v.getDefaults(RunSettingsSchema);
