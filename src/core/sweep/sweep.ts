// A sweep (the paper's Figure 3): one base run's settings, and for some settings a list of values;
// each cell of the grid is the base with one value of each, trained as a normal run in its own
// folder. This module only expands the grid and summarises results: no TensorFlow.js, no files.
import { join } from 'node:path';
import { initSpec } from '../prompt/init-spec';
import { resolveRunSettings, type RunSettings, type SettingName } from '../settings/run-settings';

/** The settings a sweep may give several values of, in the order cell names list them. */
export const SWEEPABLE = ['model', 'promptLength', 'init', 'optimizer', 'lr', 'seed'] as const satisfies readonly SettingName[];
export type SweepAxis = (typeof SWEEPABLE)[number];
export type SweepAxes = Partial<Record<SweepAxis, readonly unknown[]>>;

export interface SweepCell {
  /** The run folder's name under the sweep's folder, e.g. prompt-length-5_init-random-uniform_seed-0. */
  name: string;
  /** The values this cell gives the swept settings, as written (init as its spec). */
  overrides: Partial<Record<SweepAxis, unknown>>;
  /** The cell's checked settings: the base with the overrides, out = <sweep dir>/<name>. */
  settings: RunSettings;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A value as cell names and tables show it: init as its spec, the rest as text. */
export function axisValueText(value: unknown): string {
  return typeof value === 'object' && value !== null && 'kind' in value ? initSpec(value as Parameters<typeof initSpec>[0]) : String(value);
}

/** Safe in a folder name on every platform: letters, digits, dot and dash. */
const folderPart = (text: string) => text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');

/**
 * The grid's cells, every combination of the axes' values over `base` (the last axis varying
 * fastest, seed last so that a cell's seeds are neighbours). Each cell is checked by the settings
 * schema; a bad value is named with its cell.
 */
export function expandSweep(base: Readonly<Record<string, unknown>>, axes: SweepAxes, dir: string): SweepCell[] {
  const used = SWEEPABLE.filter((a) => axes[a] !== undefined);
  for (const a of used) if (axes[a]!.length === 0) throw new Error(`--${kebab(a)} lists no values.`);
  let combos: Partial<Record<SweepAxis, unknown>>[] = [{}];
  for (const a of used) combos = combos.flatMap((c) => axes[a]!.map((value) => ({ ...c, [a]: value })));
  const cells = combos.map((overrides) => {
    const name = used.map((a) => `${kebab(a)}-${folderPart(axisValueText(overrides[a]))}`).join('_') || 'run';
    let settings: RunSettings;
    try {
      settings = resolveRunSettings({ ...base, ...overrides, out: join(dir, name) });
    } catch (err) {
      throw new Error(`Sweep cell ${name}: ${(err as Error).message}`);
    }
    return { name, overrides, settings };
  });
  const seen = new Set<string>();
  for (const c of cells) {
    if (seen.has(c.name)) throw new Error(`Two sweep cells would share the folder ${c.name}: give each value of a swept setting once.`);
    seen.add(c.name);
  }
  return cells;
}

/** One finished (or stopped) cell, as sweep.json records it. */
export interface CellResult {
  name: string;
  overrides: Partial<Record<SweepAxis, unknown>>;
  seed: number;
  status: 'completed' | 'early-stopped' | 'diverged' | 'stopped';
  bestMetric?: number;
  bestStep?: number;
  /** Wall time of the training; null when the cell was trained by an earlier sweep that did not record it. */
  seconds: number | null;
}

/** A row of the results table: the cells that differ only in their seed. */
export interface SweepRow {
  /** The swept values other than seed, as text. */
  values: Partial<Record<SweepAxis, string>>;
  seeds: number;
  /** Mean and standard deviation (n - 1; 0 for one seed) of the best metric over the seeds that have one. */
  mean?: number;
  std?: number;
  meanBestStep?: number;
  meanSeconds?: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The table's rows, in the grid's order: one per combination of the non-seed values. */
export function summarizeSweep(cells: readonly CellResult[]): SweepRow[] {
  const groups = new Map<string, CellResult[]>();
  for (const c of cells) {
    const key = JSON.stringify(SWEEPABLE.filter((a) => a !== 'seed' && a in c.overrides).map((a) => axisValueText(c.overrides[a])));
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((group) => {
    const values = Object.fromEntries(SWEEPABLE.filter((a) => a !== 'seed' && a in group[0].overrides).map((a) => [a, axisValueText(group[0].overrides[a])]));
    const metrics = group.flatMap((c) => (c.bestMetric !== undefined ? [c.bestMetric] : []));
    const steps = group.flatMap((c) => (c.bestStep !== undefined ? [c.bestStep] : []));
    const seconds = group.flatMap((c) => (c.seconds !== null ? [c.seconds] : []));
    return {
      values, seeds: group.length,
      ...(metrics.length ? { mean: mean(metrics), std: sampleStd(metrics) } : {}),
      ...(steps.length ? { meanBestStep: mean(steps) } : {}),
      ...(seconds.length ? { meanSeconds: mean(seconds) } : {}),
    };
  });
}
