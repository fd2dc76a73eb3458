// A sweep started in VS Code: its grid (the CLI's rules, core/sweep/sweep-grid.ts) over a normal
// run's settings becomes one run per cell, queued together and marked as members of one group; as
// they finish, the group's sweep.json and sweep.svg are rewritten from their outcomes, in the CLI's
// layout, so "Open Sweep Results" and `prompt-tune sweep --out <dir>` (which skips the finished
// cells) see the same sweep. No vscode import.
import { axisValueText, SWEEPABLE, type CellResult, type SweepAxes, type SweepAxis, type SweepCell } from '../../core/sweep/sweep';
import { sweepAxesFromText, sweepCells, SweepGridError } from '../../core/sweep/sweep-grid';
import { writeSweepRecord } from '../../core/sweep/sweep-record';
import type { TextPromptRow } from '../../core/sweep/sweep-table';
import { recordedTextPrompt } from './recorded-text-prompt';
import type { RunRequest } from '../../worker/protocol';
import type { RunSummary, SweepMember } from '../../../webview/protocol';

/**
 * The grid as typed: comma-separated prompt lengths and initialisations, and how many seeds; and
 * optionally prompt design's row (the CLI's --text-prompt and --shots), empty for none.
 */
export interface SweepGridInput {
  promptLength: string;
  init: string;
  seeds: string;
  textPrompt?: string;
  shots?: string;
}

/** Prompt design's text and shot count as typed, checked as the CLI checks --text-prompt and --shots. Throws SweepGridError. */
export function textPromptOf(grid: SweepGridInput): { text: string; shots: number } | undefined {
  const text = grid.textPrompt?.trim() ?? '';
  const shots = grid.shots?.trim() ?? '';
  if (shots && !/^[1-9]\d*$/.test(shots)) throw new SweepGridError(`Shots must be a whole number of at least 1 (the first N training examples in front of each input), or empty for none; not “${grid.shots}”.`);
  if (!text && shots) throw new SweepGridError('Shots go with a text prompt: write the text prompt, or leave shots empty.');
  if (!text) return undefined;
  return { text, shots: Number(shots || '0') };
}

export interface PlannedRun {
  request: RunRequest;
  name: string;
  sweep: SweepMember;
}

/**
 * One run per cell of the grid over `base`, in the grid's order, each `out` a folder of `dir`; an
 * empty list takes the base's one value, empty seeds one seed. Throws SweepGridError.
 */
export function planSweep(base: RunRequest, grid: SweepGridInput, dir: string, id: string, name: string): PlannedRun[] {
  const seeds = grid.seeds.trim() || '1';
  if (!/^\d+$/.test(seeds)) throw new SweepGridError(`The number of seeds must be a whole number of at least 1, not “${grid.seeds}”.`);
  textPromptOf(grid);
  const text = (list: string) => list.trim() || undefined;
  const given = sweepAxesFromText({ promptLength: text(grid.promptLength), init: text(grid.init), seed: String(base.seed) }, Number(seeds));
  const { cells } = sweepCells(base, given, dir);
  return cells.map((cell) => ({
    request: cell.settings,
    name: cell.name,
    sweep: { id, name, dir, cell: cell.name, overrides: overridesOf(cell) },
  }));
}

function overridesOf(cell: SweepCell): SweepMember['overrides'] {
  return Object.fromEntries(Object.entries(cell.overrides).map(([a, value]) => [a, typeof value === 'number' ? value : axisValueText(value)]));
}

export interface SweepGroup {
  id: string;
  name: string;
  dir: string;
  /** Its runs in the grid's order. */
  members: RunSummary[];
}

/** The sweeps among the runs, each with its members, in the order their first run was added. */
export function sweepGroups(runs: readonly RunSummary[]): SweepGroup[] {
  const groups = new Map<string, SweepGroup>();
  for (const run of runs) {
    if (!run.sweep) continue;
    const group = groups.get(run.sweep.id) ?? { id: run.sweep.id, name: run.sweep.name, dir: run.sweep.dir, members: [] };
    group.members.push(run);
    groups.set(group.id, group);
  }
  return [...groups.values()];
}

/**
 * A member's outcome as sweep.json records it: finished (completed, or early-stopped when it ended
 * before its last step) or stopped; undefined while it waits, trains, or failed (the CLI's resume
 * trains such a cell again).
 */
export function cellResult(run: RunSummary): CellResult | undefined {
  if (!run.sweep || (run.status !== 'completed' && run.status !== 'stopped')) return undefined;
  const status = run.status === 'stopped' ? 'stopped' : run.step < run.totalSteps ? 'early-stopped' : 'completed';
  return {
    name: run.sweep.cell, overrides: run.sweep.overrides, seed: run.request.seed, status,
    ...(run.bestMetric !== undefined ? { bestMetric: run.bestMetric } : {}),
    ...(run.bestStep !== undefined ? { bestStep: run.bestStep } : {}),
    seconds: run.seconds ?? null,
  };
}

/** The grid's axes back from its cells: each swept setting's values in the order the cells give them. */
function axesOf(members: readonly RunSummary[]): SweepAxes {
  const axes: SweepAxes = {};
  for (const a of SWEEPABLE) {
    const values = [...new Set(members.flatMap((m) => (m.sweep && a in m.sweep.overrides ? [m.sweep.overrides[a as SweepAxis]] : [])))];
    if (values.length) axes[a] = values;
  }
  return axes;
}

/**
 * Rewrites the group's sweep.json and sweep.svg from its members' outcomes so far, with prompt
 * design's row when given, else the one sweep.json has (it is evaluated once, when the sweep starts).
 */
export function recordSweep(group: SweepGroup, textPrompt?: TextPromptRow): void {
  const cells: SweepCell[] = group.members.map((m) => {
    const { resume: _resume, ...settings } = m.request;
    return { name: m.sweep!.cell, overrides: m.sweep!.overrides, settings };
  });
  const results = group.members.flatMap((m) => cellResult(m) ?? []);
  writeSweepRecord(group.dir, axesOf(group.members), cells, results, textPrompt ?? recordedTextPrompt(group.dir));
}
