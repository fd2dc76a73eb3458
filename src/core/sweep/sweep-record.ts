// A sweep's folder as both the CLI and the extension write it: a run folder per cell (each cell's
// settings say where), and beside them sweep.json (the grid, each finished cell's outcome, the table's
// rows) and sweep.svg (the chart). Rewritten as cells finish, so an interrupted sweep shows what it has.
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { summarizeSweep, type CellResult, type SweepAxes, type SweepCell, type SweepRow } from './sweep';
import { sweepChartSvg } from './sweep-chart';
import type { TextPromptRow } from './sweep-table';

export const SWEEP_FILE = 'sweep.json';
export const SWEEP_CHART = 'sweep.svg';

/**
 * Writes sweep.json and sweep.svg into `dir` for the cells that have a result (in `results`' order)
 * and returns the table's rows. The base is the first cell's settings without its folder.
 */
export function writeSweepRecord(dir: string, axes: SweepAxes, cells: readonly SweepCell[], results: readonly CellResult[], textPrompt?: TextPromptRow): SweepRow[] {
  const { out: _out, ...base } = cells[0].settings;
  const byName = new Map(cells.map((c) => [c.name, c]));
  const rows = summarizeSweep(results);
  writeJsonAtomic(join(dir, SWEEP_FILE), {
    version: 1, metric: base.metric, base,
    axes,
    cells: results.map((r) => ({ ...r, dir: join(dir, r.name), settings: byName.get(r.name)?.settings })),
    rows, ...(textPrompt ? { textPrompt } : {}),
  });
  writeFileAtomic(join(dir, SWEEP_CHART), sweepChartSvg(rows, base.metric));
  return rows;
}
