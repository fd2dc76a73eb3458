// prompt-tune sweep: trains a grid of runs one after another, each a normal run folder under --out,
// then writes sweep.json and sweep.svg and prints the results table. Re-running the same command
// skips the cells whose run finished and resumes one that was stopped.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCheckpointState, type TrainState } from '../core/training/checkpoint';
import { train } from '../core/training/trainer';
import { SWEEPABLE, type CellResult, type SweepAxes, type SweepCell } from '../core/sweep/sweep';
import { sweepAxesFromText, sweepCells, SweepGridError } from '../core/sweep/sweep-grid';
import { SWEEP_CHART, SWEEP_FILE, writeSweepRecord } from '../core/sweep/sweep-record';
import { sweepTableLines } from '../core/sweep/sweep-table';
import { evaluateTextPrompt } from '../core/training/text-prompt-eval';
import { createRenderer } from './progress';
import { need, num, runSettings, str, UsageError, type Flags } from './run-options';
import type { Out } from './commands';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The swept settings' value lists from their flags (comma-separated, errors naming the flag), --seeds N as seeds seed..seed+N-1. */
function sweepAxes(flags: Flags): SweepAxes {
  const texts = Object.fromEntries(SWEEPABLE.flatMap((a) => (typeof flags[kebab(a)] === 'string' ? [[a, flags[kebab(a)] as string]] : [])));
  try {
    return sweepAxesFromText(texts, num(flags, 'seeds'), (a) => `--${kebab(a)}`);
  } catch (err) {
    throw err instanceof SweepGridError ? new UsageError(err.message) : err;
  }
}

/** A finished run: all its steps done, or stopped early for patience (its final checkpoint says so). */
function finished(state: TrainState): boolean {
  const { steps, patience } = state.options;
  return state.step >= steps || (patience !== undefined && state.evalsWithoutImprovement >= patience);
}

function previousSeconds(file: string): Map<string, number | null> {
  if (!existsSync(file)) return new Map();
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as { cells?: { name: string; seconds: number | null }[] };
    return new Map((old.cells ?? []).map((c) => [c.name, c.seconds]));
  } catch {
    return new Map(); // a damaged sweep.json only loses the recorded times: every cell's own run folder is read again
  }
}

export async function sweepCommand(flags: Flags, out: Out): Promise<number> {
  const dir = resolve(need(flags, 'out', 'the sweep\'s folder: a run folder per cell, sweep.json and sweep.svg'));
  const axes = sweepAxes(flags);
  // The base run: every other flag, checked once with the first value of each swept setting (errors name the flag).
  const single = Object.fromEntries(Object.entries(flags).filter(([k]) => !Object.keys(axes).some((a) => kebab(a) === k)));
  const firstValues = Object.fromEntries(Object.entries(axes).map(([a, values]) => [a, values[0]]));
  const base = runSettings(single, firstValues);
  let grid: { axes: SweepAxes; cells: SweepCell[] };
  try {
    grid = sweepCells(base, axes, dir);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { cells } = grid;
  const file = join(dir, SWEEP_FILE);
  const seconds = previousSeconds(file);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nStopping this cell after its step (a checkpoint is written); re-run the sweep to continue.\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const render = createRenderer({ json: false, tty: process.stderr.isTTY === true, write: (s) => process.stderr.write(s) });
  const results: CellResult[] = [];
  try {
    for (const [i, cell] of cells.entries()) {
      const checkpoint = join(cell.settings.out, 'checkpoint');
      const state = existsSync(join(checkpoint, 'state.json')) ? readCheckpointState(checkpoint) : undefined;
      const seed = cell.settings.seed;
      if (state && finished(state)) {
        process.stderr.write(`Cell ${i + 1} of ${cells.length}, ${cell.name}: finished earlier, skipped.\n`);
        const status = state.step >= state.options.steps ? 'completed' : 'early-stopped';
        results.push({ name: cell.name, overrides: cell.overrides, seed, status, bestMetric: state.best?.metric, bestStep: state.best?.step, seconds: seconds.get(cell.name) ?? null });
        continue;
      }
      process.stderr.write(`Cell ${i + 1} of ${cells.length}, ${cell.name}${state ? `: resuming at step ${state.step}` : ''}.\n`);
      const started = performance.now();
      const done = await train(state ? { ...cell.settings, resume: checkpoint } : cell.settings, { onEvent: render, signal: controller.signal });
      const took = (performance.now() - started) / 1000 + (state ? (seconds.get(cell.name) ?? 0) : 0);
      results.push({ name: cell.name, overrides: cell.overrides, seed, status: done.status, bestMetric: done.bestMetric, bestStep: done.bestStep, seconds: took });
      writeSweepRecord(dir, grid.axes, cells, results); // as cells finish: an interrupted sweep shows what it has
      if (done.status === 'stopped') break;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const stopped = results.some((r) => r.status === 'stopped');
  // Prompt design's row: the frozen model with --text-prompt (and --shots) on the first cell's validation data.
  const text = str(flags, 'text-prompt');
  const textPrompt = !stopped && text !== undefined ? await evaluateTextPrompt(cells[0].settings, text, num(flags, 'shots') ?? 0) : undefined;
  const rows = writeSweepRecord(dir, grid.axes, cells, results, textPrompt);
  if (flags.json === true) out(JSON.stringify({ sweep: file, chart: join(dir, SWEEP_CHART), cells: results, rows, ...(textPrompt ? { textPrompt } : {}) }));
  else {
    sweepTableLines(rows, base.metric, textPrompt).forEach((line) => out(line));
    out(`${stopped ? 'Stopped; re-run the same command to continue. ' : ''}Results: ${file}, chart: ${join(dir, SWEEP_CHART)}`);
  }
  return stopped ? 130 : results.some((r) => r.status === 'diverged') ? 1 : 0;
}
