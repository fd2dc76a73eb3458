// Several runs can exist; one trains at a time and the others wait in a queue. Each training run gets
// its own worker process, so a crash takes down only that run. No vscode import: the worker launcher
// is injected, and the unit tests drive the manager with a fake one. Nothing is queued or resumed in
// an untrusted workspace (the injected trust check), whichever entry point asks.
import * as v from 'valibot';
import { describeIssues } from '../../core/schema';
import type { DownloadEvent, HostToWorker, RunRequest, TextPromptResult, TrainEvent, WorkerToHost } from '../../worker/protocol';
import { RunSummarySchema, type RunSummary, type SweepMember } from '../../../webview/protocol';
import { Emitter } from './emitter';
import { Run } from './run';
import type { TrustCheck } from '../trust';

/** A started worker process, as the manager sees it. */
export interface WorkerHandle {
  send(message: HostToWorker): void;
  kill(): void;
  onMessage(listener: (message: WorkerToHost) => void): void;
  /** Raw stdout/stderr text as it arrives. */
  onOutput(listener: (text: string) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
}

export type LaunchWorker = () => WorkerHandle;

export interface RunManagerOptions {
  /** Throws when the workspace may not train (an untrusted workspace). */
  checkTrust: TrustCheck;
  /** How many of a worker's last output lines a crash report keeps. */
  outputLines?: number;
}

/** Prompt design's evaluation for a sweep: queued like a run so it never computes beside training. */
interface TextPromptJob {
  request: RunRequest;
  text: string;
  shots: number;
  resolve(result: TextPromptResult): void;
  reject(err: Error): void;
}

export class RunManager {
  private readonly runs = new Map<string, Run>();
  private readonly jobs = new Map<string, TextPromptJob>();
  /** Run ids and job ids, in the order they train. */
  private readonly queue: string[] = [];
  private active: { run: Run; worker: WorkerHandle; requestId: number } | undefined;
  private activeJob: WorkerHandle | undefined;
  private counter = 0;
  private requestIds = 0;

  /** A run was added, changed status or progressed. */
  readonly onDidChange = new Emitter<[RunSummary]>();
  readonly onDidRemove = new Emitter<[string]>();
  readonly onDidEvent = new Emitter<[string, TrainEvent]>();
  /** The run's worker is fetching the model from the hub (before 'started'). */
  readonly onDidDownload = new Emitter<[string, DownloadEvent]>();
  /** A line the worker printed, for the output channel. */
  readonly onDidOutput = new Emitter<[string, string]>();

  private readonly checkTrust: TrustCheck;
  private readonly outputLines: number;

  constructor(
    private readonly launch: LaunchWorker,
    options: RunManagerOptions,
  ) {
    this.checkTrust = options.checkTrust;
    this.outputLines = options.outputLines ?? 40;
  }

  list(): RunSummary[] {
    return [...this.runs.values()].map((r) => r.summary);
  }

  get(id: string): RunSummary | undefined {
    return this.runs.get(id)?.summary;
  }

  history(id: string): TrainEvent[] {
    return this.runs.get(id)?.history ?? [];
  }

  get activeRunId(): string | undefined {
    return this.active?.run.id;
  }

  queuePosition(id: string): number | undefined {
    const i = this.queue.indexOf(id);
    return i < 0 ? undefined : i + 1;
  }

  canResume(id: string): boolean {
    return this.runs.get(id)?.canResume ?? false;
  }

  /** Adds a run; it starts now when nothing trains, else waits its turn. */
  create(request: RunRequest, name: string, sweep?: SweepMember): RunSummary {
    this.checkTrust('Training');
    this.counter++;
    const id = `run-${Date.now().toString(36)}-${this.counter}`;
    const run = new Run(id, name, request, this.outputLines);
    if (sweep) run.summary.sweep = sweep;
    this.runs.set(id, run);
    this.queue.push(id);
    this.onDidChange.fire(run.summary);
    this.pump();
    return run.summary;
  }

  /** Queues a sweep's runs together, in the grid's order: they train one after another like any runs. */
  createSweep(planned: readonly { request: RunRequest; name: string; sweep: SweepMember }[]): RunSummary[] {
    this.checkTrust('Training');
    return planned.map((p) => this.create(p.request, p.name, p.sweep));
  }

  /**
   * Evaluates the frozen model with `text` (and `shots` training examples) on the validation data of
   * a run with these settings, in a worker of its own when its turn in the queue comes.
   */
  evaluateTextPrompt(request: RunRequest, text: string, shots: number): Promise<TextPromptResult> {
    this.checkTrust('Evaluating a text prompt');
    return new Promise((resolve, reject) => {
      const id = `job-${Date.now().toString(36)}-${++this.counter}`;
      this.jobs.set(id, { request, text, shots, resolve, reject });
      this.queue.push(id);
      this.pump();
    });
  }

  /** Graceful: the worker writes a checkpoint and exits. A queued run just leaves the queue. */
  stop(id: string): void {
    const run = this.runs.get(id);
    if (!run) return;
    if (this.active?.run === run) {
      if (run.summary.status === 'stopping') return;
      run.summary.status = 'stopping';
      this.active.worker.send({ type: 'stop' });
      this.onDidChange.fire(run.summary);
      return;
    }
    const i = this.queue.indexOf(id);
    if (i >= 0) {
      this.queue.splice(i, 1);
      run.summary.status = 'stopped';
      run.summary.message = 'Taken out of the queue before it started.';
      this.onDidChange.fire(run.summary);
    }
  }

  /** Queues a stopped, failed or crashed run again, continuing from its last checkpoint. */
  resume(id: string): RunSummary {
    const run = this.runs.get(id);
    if (!run) throw new Error(`No run ${id}.`);
    if (!run.canResume) throw new Error(`${run.summary.name} is ${run.summary.status}; only stopped, failed or crashed runs can be resumed.`);
    this.checkTrust('Resuming training');
    run.requeue();
    this.queue.push(id);
    this.onDidChange.fire(run.summary);
    this.pump();
    return run.summary;
  }

  /** Forgets a run that is not training (its files stay on disk). */
  remove(id: string): void {
    if (this.active?.run.id === id) throw new Error('Stop the run before removing it.');
    const i = this.queue.indexOf(id);
    if (i >= 0) this.queue.splice(i, 1);
    if (this.runs.delete(id)) this.onDidRemove.fire(id);
  }

  /**
   * Runs from an earlier session (workspace state), each checked (and completed with the defaults of
   * settings added since). Runs that were training then are marked stopped. Returns why any was dropped.
   */
  restore(saved: readonly unknown[]): string[] {
    const problems: string[] = [];
    for (const [i, entry] of saved.entries()) {
      const parsed = v.safeParse(RunSummarySchema, entry);
      if (!parsed.success) {
        problems.push(...describeIssues(parsed.issues, { where: `saved run ${i + 1}` }));
        continue;
      }
      const s = parsed.output;
      if (this.runs.has(s.id)) continue;
      const run = new Run(s.id, s.name, s.request, this.outputLines);
      Object.assign(run.summary, s);
      if (s.status === 'queued' || s.status === 'training' || s.status === 'stopping') {
        run.summary.status = 'stopped';
        run.summary.etaSeconds = undefined;
        run.summary.activity = undefined;
        run.summary.message = s.checkpointDir
          ? 'VS Code closed during training. Resume Training continues from the last checkpoint.'
          : 'VS Code closed before the first checkpoint. Resume Training starts it again.';
      }
      this.runs.set(s.id, run);
      this.onDidChange.fire(run.summary);
    }
    return problems;
  }

  /** Asks the training worker to stop; it keeps running on its own until its checkpoint is written. */
  dispose(): void {
    if (this.active && this.active.run.summary.status !== 'stopping') this.active.worker.send({ type: 'stop' });
    this.activeJob?.kill();
  }

  private pump(): void {
    if (this.active || this.activeJob) return;
    const id = this.queue.shift();
    if (id === undefined) return;
    const job = this.jobs.get(id);
    if (job) {
      this.jobs.delete(id);
      return this.startJob(job);
    }
    const run = this.runs.get(id);
    if (!run) return this.pump();
    this.startWorker(run);
  }

  private startWorker(run: Run): void {
    let worker: WorkerHandle;
    try {
      worker = this.launch();
    } catch (err) {
      run.fail(`Could not start the training process: ${err instanceof Error ? err.message : String(err)}`);
      this.onDidChange.fire(run.summary);
      return this.pump();
    }
    const requestId = ++this.requestIds;
    this.active = { run, worker, requestId };
    run.summary.status = 'training';
    worker.onOutput((text) => {
      for (const line of run.output.push(text)) this.onDidOutput.fire(run.id, line);
    });
    worker.onMessage((message) => this.receive(run, requestId, message));
    worker.onExit((code, signal) => {
      if (!run.finished) run.crash(code, signal);
      this.active = undefined;
      this.onDidChange.fire(run.summary);
      this.pump();
    });
    worker.send({ type: 'start', id: requestId, request: run.summary.request });
    this.onDidChange.fire(run.summary);
  }

  /** The job's worker answers once (its result or an error) and is then ended; the queue moves on. */
  private startJob(job: TextPromptJob): void {
    let worker: WorkerHandle;
    try {
      worker = this.launch();
    } catch (err) {
      job.reject(new Error(`Could not start the worker: ${err instanceof Error ? err.message : String(err)}`));
      return this.pump();
    }
    const requestId = ++this.requestIds;
    this.activeJob = worker;
    let settled = false;
    const settle = (end: () => void) => {
      if (settled) return;
      settled = true;
      end();
      worker.kill();
      if (this.activeJob === worker) this.activeJob = undefined;
      this.pump();
    };
    worker.onMessage((message) => {
      if (message.type === 'textPromptResult' && message.id === requestId) settle(() => job.resolve(message.result));
      else if (message.type === 'error' && message.id === requestId) settle(() => job.reject(new Error(message.message)));
    });
    worker.onExit((code, signal) => settle(() => job.reject(new Error(`The worker ${signal ? `was killed (${signal})` : `exited with code ${code}`} before it answered.`))));
    worker.send({ type: 'textPrompt', id: requestId, request: job.request, text: job.text, shots: job.shots });
  }

  /** The worker answers the start request: its events, the last one 'done', or an error with its id. */
  private receive(run: Run, requestId: number, message: WorkerToHost): void {
    if (message.type === 'event' && message.id === requestId) {
      run.apply(message.event);
      this.onDidEvent.fire(run.id, message.event);
      this.onDidChange.fire(run.summary);
    } else if (message.type === 'download') {
      const { changed, log } = run.applyDownload(message.event);
      this.onDidDownload.fire(run.id, message.event);
      if (log) this.onDidEvent.fire(run.id, log);
      if (changed) this.onDidChange.fire(run.summary);
    } else if (message.type === 'error' && message.id === requestId) {
      run.fail(message.message, message.code);
      if (message.detail) this.onDidOutput.fire(run.id, message.detail);
      this.onDidChange.fire(run.summary);
    } else {
      this.onDidOutput.fire(run.id, `ignored a worker message that answers no request of this run: ${JSON.stringify(message).slice(0, 200)}`);
    }
  }
}
