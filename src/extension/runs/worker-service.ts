// Requests that are not training — try prompts, inspect a prompt, export .npy, import a PEFT prompt — go to one long-lived
// worker process (it keeps the model loaded between requests) that is stopped after a while idle.
// A request naming a hub model may download it first: its progress is announced by onDidDownload.
// In an untrusted workspace no request is sent (the injected trust check): each fails saying why.
import type { BackendRequest } from '../../core/engine-names';
import type { DownloadEvent, HostToWorker, InspectRequest, PromptTokenInsight, TryRequest, TryResult, WorkerToHost } from '../../worker/protocol';
import { Emitter } from './emitter';
import { LineTail } from './run';
import type { LaunchWorker, WorkerHandle } from './run-manager';
import type { TrustCheck } from '../trust';

interface Pending {
  resolve: (message: WorkerToHost) => void;
  reject: (err: Error) => void;
}

export class WorkerService {
  private worker: WorkerHandle | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly output = new LineTail(20);
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The worker loaded a TensorFlow.js that is no longer the one to use: replace it once idle. */
  private stale = false;
  /** The worker is fetching a model for a request. */
  readonly onDidDownload = new Emitter<[DownloadEvent]>();
  /** No request is waiting any more (all answered, or the worker exited): a download, if any, is over. */
  readonly onDidSettle = new Emitter<[]>();

  constructor(
    private readonly launch: LaunchWorker,
    private readonly log: (line: string) => void,
    private readonly checkTrust: TrustCheck,
    private readonly idleMs = 5 * 60_000,
  ) {}

  async try(request: TryRequest): Promise<TryResult[]> {
    const reply = await this.request('Trying a prompt', (id) => ({ type: 'try', id, request }));
    if (reply.type !== 'tryResult') throw new Error(`unexpected reply ${reply.type} to try`);
    return reply.results;
  }

  async inspect(request: InspectRequest): Promise<PromptTokenInsight[]> {
    const reply = await this.request('Inspecting a prompt with its model', (id) => ({ type: 'inspect', id, request }));
    if (reply.type !== 'inspectResult') throw new Error(`unexpected reply ${reply.type} to inspect`);
    return reply.insights;
  }

  async exportNpy(prompt: string, out: string): Promise<string> {
    const reply = await this.request('Exporting a prompt', (id) => ({ type: 'exportNpy', id, prompt, out }));
    if (reply.type !== 'exported') throw new Error(`unexpected reply ${reply.type} to exportNpy`);
    return reply.path;
  }

  /** The PEFT adapter folder as our prompt folder `out` for `model`; the worker checks the model's fingerprint. */
  async importPeft(request: { adapter: string; model: string; out: string; backend?: BackendRequest }): Promise<{ path: string; fingerprintChecked: boolean; notes: string[] }> {
    const reply = await this.request('Importing a PEFT prompt', (id) => ({ type: 'importPeft', id, ...request }));
    if (reply.type !== 'imported') throw new Error(`unexpected reply ${reply.type} to importPeft`);
    return { path: reply.path, fingerprintChecked: reply.fingerprintChecked, notes: reply.notes };
  }

  /** Aborts the worker's downloads; the requests waiting for them fail with "Download cancelled…". */
  cancelDownload(): void {
    this.worker?.send({ type: 'cancelDownload' });
  }

  /**
   * The backend changed (a native install was set up): the worker's TensorFlow.js cannot be swapped
   * in place, so it is stopped now when idle, else after its last pending request.
   */
  restartWhenIdle(): void {
    if (this.pending.size === 0) this.dispose();
    else this.stale = true;
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.stale = false;
    this.worker?.kill();
    this.worker = undefined;
  }

  private request(action: string, build: (id: number) => HostToWorker): Promise<WorkerToHost> {
    this.checkTrust(action);
    const id = this.nextId++;
    const worker = this.ensureWorker();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    return new Promise<WorkerToHost>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.send(build(id));
    }).finally(() => this.scheduleIdleStop());
  }

  private ensureWorker(): WorkerHandle {
    if (this.worker) return this.worker;
    const worker = this.launch();
    this.worker = worker;
    this.output.clear();
    worker.onOutput((text) => this.output.push(text).forEach((line) => this.log(line)));
    worker.onMessage((message) => {
      if (message.type === 'download') {
        this.onDidDownload.fire(message.event);
        return;
      }
      if (!('id' in message) || message.id === undefined) {
        if (message.type === 'error') this.log(`worker: ${message.message}`);
        return;
      }
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.type === 'error') waiting.reject(new Error(message.message));
      else waiting.resolve(message);
    });
    worker.onExit((code, signal) => {
      if (this.worker === worker) this.worker = undefined;
      const lines = this.output.snapshot().slice(-5).join('\n');
      const err = new Error(`The prompt worker ${signal ? `was killed (${signal})` : `exited with code ${code}`}.${lines ? `\n${lines}` : ''}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.onDidSettle.fire();
    });
    return worker;
  }

  private scheduleIdleStop(): void {
    if (this.pending.size > 0) return;
    this.onDidSettle.fire();
    if (this.stale) return this.dispose();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.dispose(), this.idleMs);
    this.idleTimer.unref?.();
  }
}
