// A stand-in for the forked training worker: records what the host sends and lets a test play the
// worker's side (events, downloads, output, exit) without a process.
import { RunManager, type WorkerHandle } from '../../src/extension/runs/run-manager';
import type { TrustCheck } from '../../src/extension/trust';
import type { DownloadEvent, HostToWorker, TrainEvent, WorkerToHost } from '../../src/worker/protocol';

export class FakeWorker implements WorkerHandle {
  readonly sent: HostToWorker[] = [];
  killed = false;
  private message?: (m: WorkerToHost) => void;
  private output?: (t: string) => void;
  private exit?: (code: number | null, signal: string | null) => void;

  send(message: HostToWorker): void {
    this.sent.push(message);
  }
  kill(): void {
    this.killed = true;
  }
  onMessage(l: (m: WorkerToHost) => void): void {
    this.message = l;
  }
  onOutput(l: (t: string) => void): void {
    this.output = l;
  }
  onExit(l: (code: number | null, signal: string | null) => void): void {
    this.exit = l;
  }
  receive(m: WorkerToHost): void {
    this.message?.(m);
  }
  /** The id of the run this worker was asked to train: its answers carry it. */
  get runRequestId(): number {
    const start = this.sent.find((m) => m.type === 'start');
    return start?.type === 'start' ? start.id : -1;
  }
  event(event: TrainEvent): void {
    this.receive({ type: 'event', id: this.runRequestId, event });
  }
  download(event: DownloadEvent): void {
    this.receive({ type: 'download', event });
  }
  error(message: string): void {
    this.receive({ type: 'error', id: this.runRequestId, message });
  }
  print(text: string): void {
    this.output?.(text);
  }
  exited(code: number | null, signal: string | null = null): void {
    this.exit?.(code, signal);
  }
}

/** A run manager whose workers are fakes, kept in launch order; the workspace is trusted unless `checkTrust` says otherwise. */
export function managerWithFakeWorkers(outputLines?: number, checkTrust: TrustCheck = () => undefined): { manager: RunManager; workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  const manager = new RunManager(
    () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    { outputLines, checkTrust },
  );
  return { manager, workers };
}
