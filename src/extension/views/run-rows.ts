// Which rows of the Runs view a run's change redraws. Progress (step, loss, ETA) redraws its own row
// at most once a second; a status change redraws its row and the queued rows (their positions may
// have moved, and its sweep's row counts it) at once; only a run added or removed redraws the whole
// list. No vscode import.
import type { RunSummary } from '../../../webview/protocol';
import { ChangeBatcher, type Redraw, type Timers } from './change-batcher';

/** The Runs view's element of a sweep's row (its runs are its children). */
export const SWEEP_ELEMENT = 'sweep:';

/** Progress arrives many times a second; a row is redrawn at most this often. */
export const PROGRESS_REDRAW_MS = 1000;

export class RunRows {
  private readonly statuses = new Map<string, RunSummary['status']>();
  private readonly batch: ChangeBatcher<string>;

  constructor(
    private readonly runs: { list(): RunSummary[] },
    redraw: (what: Redraw<string>) => void,
    timers?: Timers,
  ) {
    this.batch = new ChangeBatcher(redraw, PROGRESS_REDRAW_MS, timers);
    for (const run of runs.list()) this.statuses.set(run.id, run.status);
  }

  changed(run: RunSummary): void {
    const before = this.statuses.get(run.id);
    this.statuses.set(run.id, run.status);
    if (before === undefined) return this.batch.list();
    if (before === run.status) return this.batch.rows([run.id]);
    const queued = this.runs.list().filter((r) => r.status === 'queued' && r.id !== run.id).map((r) => r.id);
    // A sweep's row counts its finished runs.
    this.batch.rows([run.id, ...queued, ...(run.sweep ? [SWEEP_ELEMENT + run.sweep.id] : [])], true);
  }

  removed(id: string): void {
    this.statuses.delete(id);
    this.batch.list();
  }

  dispose(): void {
    this.batch.dispose();
  }
}
