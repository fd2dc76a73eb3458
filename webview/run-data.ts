// What the panel derives from one run's trainer events: chart series, the latest step statistics,
// the latest prompt insights and the outcome. Applying the history and then live events gives the
// same result as having watched from the start. No DOM here.
import { METRIC_LABELS, type DoneEvent, type EvalEvent, type PromptTokenInsight, type RunStartedEvent, type StepEvent, type TrainEvent } from './protocol';

export type Change = 'started' | 'step' | 'eval' | 'log' | 'done' | 'checkpoint';

export class RunData {
  started?: RunStartedEvent;
  lastStep?: StepEvent;
  lastEval?: EvalEvent;
  done?: DoneEvent;
  insights: PromptTokenInsight[] = [];
  best?: { step: number; metric: number };
  lastCheckpointStep?: number;
  /** [steps, training loss] */
  readonly loss: [number[], number[]] = [[], []];
  /** [eval steps, the run's metric, validation loss] */
  readonly evals: [number[], number[], number[]] = [[], [], []];
  readonly logs: string[] = [];
  /** What the run selects by (run-metric.ts), named as its evaluations report it. */
  metricName = METRIC_LABELS['exact-match'];

  apply(e: TrainEvent): Change {
    switch (e.type) {
      case 'started':
        this.started = e;
        this.done = undefined;
        // A resumed run repeats the steps after its checkpoint: drop what the crash or stop lost.
        if (e.resumedFromStep !== undefined) this.truncateAfter(e.resumedFromStep);
        return 'started';
      case 'step':
        this.lastStep = e;
        this.loss[0].push(e.step);
        this.loss[1].push(e.loss);
        return 'step';
      case 'eval': {
        this.lastEval = e;
        const metric = e.score;
        this.metricName = METRIC_LABELS[e.metric];
        this.evals[0].push(e.step);
        this.evals[1].push(metric);
        this.evals[2].push(e.validLoss);
        if (e.insights.length > 0) this.insights = e.insights;
        if (e.best || !this.best || metric > this.best.metric) this.best = { step: e.step, metric };
        return 'eval';
      }
      case 'checkpoint':
        this.lastCheckpointStep = e.step;
        return 'checkpoint';
      case 'log':
        this.logs.push(`${e.level === 'warn' ? '⚠ ' : ''}${e.message}`);
        if (this.logs.length > 50) this.logs.shift();
        return 'log';
      case 'done':
        this.done = e;
        return 'done';
    }
  }

  private truncateAfter(step: number): void {
    const cut = <T extends number[][]>(series: T) => {
      const keep = series[0]!.findIndex((s) => s > step);
      if (keep >= 0) for (const column of series) column.length = keep;
    };
    cut(this.loss);
    cut(this.evals);
    if (this.best && this.best.step > step) {
      let best: RunData['best'];
      this.evals[0].forEach((s, i) => {
        const m = this.evals[1][i]!;
        if (!best || m > best.metric) best = { step: s, metric: m };
      });
      this.best = best;
    }
  }
}
