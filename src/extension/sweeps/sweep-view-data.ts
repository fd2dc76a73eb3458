// What the panel's Sweep view shows, from a sweep started here (its runs and their trainer events)
// or from a sweep.json on disk (prompt-tune sweep, or a sweep of another window: its cells' curves
// from their checkpoints). Text from a file is checked by a schema naming the field at fault. No
// vscode import.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as v from 'valibot';
import { METRICS, type Metric } from '../../core/engine-names';
import { parseWith } from '../../core/schema';
import { SWEEPABLE, summarizeSweep, type CellResult, type SweepRow } from '../../core/sweep/sweep';
import { METRIC_LABELS, metricValue, type RunSummary, type SweepView, type TrainEvent } from '../../../webview/protocol';
import { OPTIONAL_SCORES } from '../../worker/protocol';
import { cellResult, type SweepGroup } from './sweep-group';
import { recordedTextPrompt, TextPromptRowSchema } from './recorded-text-prompt';

const FINISHED: readonly RunSummary['status'][] = ['completed', 'stopped', 'failed', 'crashed'];

/** The grid point's name: the swept values other than the seed, in the grid's order. */
export function pointName(values: Readonly<Record<string, string | undefined>>): string {
  return SWEEPABLE.filter((a) => a !== 'seed' && values[a] !== undefined).map((a) => values[a]).join(' · ') || 'base';
}

const textValues = (overrides: Readonly<Record<string, string | number>>) => Object.fromEntries(Object.entries(overrides).map(([k, x]) => [k, String(x)]));

function tableRows(rows: readonly SweepRow[], doneOf: (values: Record<string, string>) => number): SweepView['rows'] {
  return rows.map((r) => {
    const values = Object.fromEntries(Object.entries(r.values).filter((e): e is [string, string] => e[1] !== undefined));
    return { ...r, values, point: pointName(values), done: doneOf(values) };
  });
}

/**
 * A sweep of this window: every run's curve so far, and the table over the runs with a best metric
 * so far (a training run's best counts until it finishes), the time from the finished ones.
 */
export function liveSweepView(group: SweepGroup, history: (runId: string) => readonly TrainEvent[]): SweepView {
  const evalsOf = group.members.map((m) => history(m.id).flatMap((e) => (e.type === 'eval' ? [e] : [])));
  // What the evaluations scored (exact match when the targets are open-ended), else what the runs select by.
  const metric = evalsOf.flat()[0]?.metric ?? group.members[0]?.request.metric ?? 'rank';
  const curves = group.members.map((m, i) => {
    const evals = evalsOf[i]!;
    return {
      point: pointName(textValues(m.sweep!.overrides)),
      seed: m.request.seed,
      status: m.status,
      steps: evals.map((e) => e.step),
      values: evals.map((e) => e.score),
    };
  });
  const results: CellResult[] = group.members.map((m) => cellResult(m) ?? {
    name: m.sweep!.cell, overrides: m.sweep!.overrides, seed: m.request.seed, status: 'stopped',
    ...(m.bestMetric !== undefined ? { bestMetric: m.bestMetric, bestStep: m.bestStep } : {}), seconds: null,
  });
  const done = (values: Record<string, string>) => group.members.filter((m) => FINISHED.includes(m.status) && pointName(textValues(m.sweep!.overrides)) === pointName(values)).length;
  const textPrompt = recordedTextPrompt(group.dir);
  return {
    source: { group: group.id }, name: group.name, file: join(group.dir, 'sweep.json'), metric, metricName: METRIC_LABELS[metric], live: true,
    cells: group.members.length, finished: group.members.filter((m) => FINISHED.includes(m.status)).length,
    curves, rows: tableRows(summarizeSweep(results), done),
    ...(textPrompt ? { textPrompt } : {}),
  };
}

const SweepFileSchema = v.object({
  metric: v.picklist(METRICS),
  cells: v.array(v.object({
    name: v.string(),
    dir: v.string(),
    seed: v.number(),
    status: v.string(),
    overrides: v.record(v.string(), v.union([v.string(), v.number()])),
  })),
  rows: v.array(v.object({
    values: v.record(v.string(), v.string()),
    seeds: v.number(),
    mean: v.optional(v.number()),
    std: v.optional(v.number()),
    meanBestStep: v.optional(v.number()),
    meanSeconds: v.optional(v.number()),
  })),
  textPrompt: v.optional(TextPromptRowSchema),
});

const CheckpointMetricsSchema = v.object({
  metrics: v.array(v.object({
    step: v.number(),
    exactMatch: v.optional(v.number()),
    ...OPTIONAL_SCORES,
  })),
});

/** A cell's validation curve of the sweep's metric from its checkpoint's state.json; none when the cell has no checkpoint (or an unreadable one). */
function checkpointCurve(dir: string, metric: Metric): { steps: number[]; values: number[] } {
  const file = join(dir, 'checkpoint', 'state.json');
  const parsed = existsSync(file) ? v.safeParse(CheckpointMetricsSchema, JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
  const points = parsed?.success ? parsed.output.metrics.flatMap(({ exactMatch, ...p }) => (exactMatch !== undefined ? [{ step: p.step, value: metricValue(metric, { exactMatch, ...p }) }] : [])) : [];
  return { steps: points.map((p) => p.step), values: points.map((p) => p.value) };
}

/** A sweep.json on disk (prompt-tune sweep --out): its table as recorded, its cells' curves from their checkpoints. */
export function fileSweepView(file: string): SweepView {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}).`);
  }
  const sweep = parseWith(SweepFileSchema, json, { where: file });
  const curves = sweep.cells.map((c) => ({ point: pointName(textValues(c.overrides)), seed: c.seed, status: c.status, ...checkpointCurve(c.dir, sweep.metric) }));
  const done = (values: Record<string, string>) => curves.filter((c) => c.point === pointName(values)).length;
  return {
    source: { file }, name: basename(dirname(file)), file, metric: sweep.metric, metricName: METRIC_LABELS[sweep.metric], live: false,
    cells: sweep.cells.length, finished: sweep.cells.length,
    curves, rows: tableRows(sweep.rows, done),
    ...(sweep.textPrompt ? { textPrompt: sweep.textPrompt } : {}),
  };
}
