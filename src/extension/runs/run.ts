// One prompt-tuning run as the host keeps it: what was asked, every event the trainer sent (replayed
// to a reopened panel), the last lines the worker printed (shown when it crashes) and a summary that
// the sidebar, the status bar and the panel display. No vscode import: unit-tested directly.
import type { DoneEvent, DownloadEvent, RunRequest, TrainEvent } from '../../worker/protocol';
import type { RunSummary } from '../../../webview/protocol';
import { describeDownloadEvent, downloadActivity } from './download-progress';

/** Keeps the last `capacity` lines of a stream that arrives in arbitrary chunks. */
export class LineTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly capacity: number) {}

  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    return parts;
  }

  snapshot(): string[] {
    return this.partial ? [...this.lines, this.partial].slice(-this.capacity) : [...this.lines];
  }

  clear(): void {
    this.lines = [];
    this.partial = '';
  }
}

/** Step events beyond this are thinned (every other one dropped) so a long run's history stays small. */
const MAX_HISTORY_STEPS = 5000;

export class Run {
  readonly summary: RunSummary;
  readonly history: TrainEvent[] = [];
  readonly output: LineTail;
  /** Whether the worker sent 'done' or an error: an exit without either is a crash. */
  finished = false;
  private stepEvents = 0;
  private downloadRepo: string | undefined;
  /** When this session's training started (performance.now()), for the run's time. */
  private trainingSince: number | undefined;

  constructor(id: string, name: string, request: RunRequest, outputLines = 40) {
    this.summary = { id, name, status: 'queued', request, step: 0, totalSteps: request.steps };
    this.output = new LineTail(outputLines);
  }

  get id(): string {
    return this.summary.id;
  }

  /** Records a trainer event and updates the summary. */
  apply(event: TrainEvent): void {
    this.history.push(event);
    const s = this.summary;
    switch (event.type) {
      case 'started':
        s.activity = undefined;
        s.status = s.status === 'stopping' ? 'stopping' : 'training';
        s.backend = event.backend;
        s.totalSteps = event.totalSteps;
        s.labels = event.labels;
        if (event.resumedFromStep !== undefined) s.step = event.resumedFromStep;
        this.trainingSince = performance.now();
        break;
      case 'step':
        s.step = event.step;
        s.totalSteps = event.totalSteps;
        s.loss = event.loss;
        s.examplesPerSecond = event.examplesPerSecond;
        s.etaSeconds = event.etaSeconds;
        s.memoryMB = event.memoryMB;
        this.thinHistory();
        break;
      case 'eval': {
        if (event.best || s.bestMetric === undefined || event.score > s.bestMetric) {
          s.bestMetric = event.score;
          s.bestStep = event.step;
        }
        break;
      }
      case 'checkpoint':
        s.checkpointDir = event.dir;
        break;
      case 'log':
        break;
      case 'done':
        this.finish(event);
        break;
    }
  }

  /**
   * Follows the model download before training: updates `activity` and returns the log event to
   * record (and show) for the milestones — what is fetched, retries, notes, where it was saved.
   */
  applyDownload(event: DownloadEvent): { changed: boolean; log?: TrainEvent } {
    const before = this.summary.activity;
    const next = downloadActivity(event, this.downloadRepo, before);
    this.downloadRepo = next.repo;
    this.summary.activity = next.activity;
    const message = describeDownloadEvent(event);
    const log: TrainEvent | undefined = message === undefined ? undefined : { type: 'log', level: event.type === 'retry' ? 'warn' : 'info', message };
    if (log) this.history.push(log);
    return { changed: before !== next.activity, log };
  }

  private finish(done: DoneEvent): void {
    this.finished = true;
    const s = this.summary;
    s.step = done.step;
    s.etaSeconds = undefined;
    s.activity = undefined;
    s.promptDir = done.promptDir;
    // The trainer's message speaks to CLI users (--resume); in VS Code the Resume command does that.
    s.message = done.status === 'stopped' ? `Stopped at step ${done.step}. The checkpoint is kept: Resume continues from it.` : done.message;
    if (done.bestMetric !== undefined) s.bestMetric = done.bestMetric;
    if (done.bestStep !== undefined) s.bestStep = done.bestStep;
    s.status = done.status === 'stopped' ? 'stopped' : done.status === 'diverged' ? 'failed' : 'completed';
    if (this.trainingSince !== undefined) s.seconds = (s.seconds ?? 0) + (performance.now() - this.trainingSince) / 1000;
    this.trainingSince = undefined;
  }

  /** The worker reported an error; `code` 'cancelled' is a stop that arrived while the model downloaded. */
  fail(message: string, code?: string): void {
    this.finished = true;
    const s = this.summary;
    s.etaSeconds = undefined;
    if (code === 'cancelled') {
      s.status = 'stopped';
      s.message = `Stopped while downloading ${this.downloadRepo ?? 'the model'}. The partial download is kept: Resume continues it.`;
    } else {
      s.status = 'failed';
      s.message = message;
    }
    s.activity = undefined;
  }

  /** The worker exited without 'done' or an error: killed, out of memory, or a native crash. */
  crash(code: number | null, signal: string | null): void {
    const s = this.summary;
    s.status = 'crashed';
    s.etaSeconds = undefined;
    s.activity = undefined;
    s.lastOutput = this.output.snapshot();
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    s.message = s.checkpointDir
      ? `The training process ${how}. The checkpoint of step ${this.lastCheckpointStep() ?? '?'} is kept: Resume Training continues from it.`
      : `The training process ${how} before its first checkpoint. Resume Training starts it again.`;
  }

  /** Back in the queue; continues from the last checkpoint when there is one. */
  requeue(): void {
    const s = this.summary;
    s.status = 'queued';
    s.message = undefined;
    s.activity = undefined;
    s.lastOutput = undefined;
    s.request = { ...s.request, resume: s.checkpointDir };
    this.finished = false;
    this.output.clear();
  }

  get canResume(): boolean {
    return this.summary.status === 'stopped' || this.summary.status === 'failed' || this.summary.status === 'crashed';
  }

  private lastCheckpointStep(): number | undefined {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const e = this.history[i];
      if (e?.type === 'checkpoint') return e.step;
    }
    return undefined;
  }

  private thinHistory(): void {
    this.stepEvents++;
    if (this.stepEvents <= MAX_HISTORY_STEPS) return;
    this.stepEvents = Math.ceil(this.stepEvents / 2);
    let keep = true;
    const thinned = this.history.filter((e) => {
      if (e.type !== 'step') return true;
      keep = !keep;
      return keep;
    });
    this.history.splice(0, this.history.length, ...thinned);
  }
}
