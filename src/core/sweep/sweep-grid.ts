// A sweep's grid from text as people give it (the CLI's flags, the extension's input boxes): each
// swept setting's values comma-separated (a comma inside double quotes or written \, is a value's:
// settings/value-list.ts) and checked by the settings schema, seeds also as a count.
// One module so the CLI and the extension agree on what a grid means and on its cells' folders.
import { initSpec } from '../prompt/init-spec';
import { settingFromText, type RunSettings } from '../settings/run-settings';
import { splitValueList, ValueListError } from '../settings/value-list';
import { expandSweep, SWEEPABLE, type SweepAxes, type SweepAxis, type SweepCell } from './sweep';

/** Settings that always name a cell (the paper's Figure 3 axes); the others only when given several values. */
const ALWAYS_SWEPT: readonly SweepAxis[] = ['promptLength', 'init', 'seed'];

/** A grid that cannot be trained; the message says which setting and what to do. */
export class SweepGridError extends Error {}

/**
 * The swept settings' value lists from their text (comma-separated); `seeds` N makes the seeds
 * seed..seed+N-1 (seed being the one given, else 0). A setting given one value that is not always
 * swept stays a base setting (no part of the cells' names). `nameOf` names a list in errors (the CLI: its flag).
 */
export function sweepAxesFromText(texts: Partial<Record<SweepAxis, string>>, seeds?: number, nameOf: (axis: SweepAxis) => string = (a) => a): SweepAxes {
  const axes: SweepAxes = {};
  for (const a of SWEEPABLE) {
    const raw = texts[a];
    if (raw === undefined) continue;
    const values = valueList(raw, nameOf(a)).map((t) => settingFromText(a, t));
    if (values.length > 1 || ALWAYS_SWEPT.includes(a)) axes[a] = values;
  }
  if (seeds !== undefined) {
    if (!Number.isInteger(seeds) || seeds < 1) throw new SweepGridError(`The number of seeds must be a whole number of at least 1, not ${seeds}.`);
    if ((axes.seed?.length ?? 0) > 1) throw new SweepGridError('Give a number of seeds (--seeds N) or a list of seeds (--seed a,b,...), not both.');
    const first = Number(axes.seed?.[0] ?? 0);
    axes.seed = Array.from({ length: seeds }, (_, i) => first + i);
  }
  return axes;
}

function valueList(raw: string, name: string): string[] {
  try {
    return splitValueList(raw, name);
  } catch (err) {
    throw err instanceof ValueListError ? new SweepGridError(err.message) : err;
  }
}

/**
 * The cells over `base`: a Figure 3 axis not given takes the base's one value (a task preset's, or
 * the default), so it is still a column of the table and a part of each cell's folder name.
 */
export function sweepCells(base: RunSettings, given: SweepAxes, dir: string): { axes: SweepAxes; cells: SweepCell[] } {
  const axes: SweepAxes = { ...given };
  axes.promptLength ??= [base.promptLength];
  axes.init ??= [initSpec(base.init)];
  axes.seed ??= [base.seed];
  try {
    return { axes, cells: expandSweep(base, axes, dir) };
  } catch (err) {
    throw new SweepGridError((err as Error).message);
  }
}
