// The training worker: a Node process the extension host forks (dist/worker.js). It runs the engine
// — training, trying and inspecting prompts — and talks to the host only through ./protocol.
// One process trains at most one run; the host starts another for try/inspect/export requests.
// A hub id as the model (org/name[@revision]) is fetched into the huggingface_hub cache first, with
// the hub client's progress forwarded to the host as 'download' messages.
// First import, before anything loads TensorFlow.js: where its packages come from (native install).
import './tensorflow-location';
import { exportNpy, loadPrompt } from '../core/prompt';
import { inspectPrompt, tryPrompts } from '../core/playground';
import { parseBackendRequest } from '../core/backend';
import { checkBackend } from '../core/native/check';
import { HubError } from '../core/hub';
import { useHubForModels } from '../core/hub/engine-resolver';
import { train } from '../core/training/trainer';
import type { DoneEvent } from '../core/training/events';
import { parseHostMessage, type HostToWorker, type RunRequest, type WorkerToHost } from './protocol';
import { resolveRunOptions } from './run-options';

let training: AbortController | undefined;
/** Aborts the downloads in progress; replaced after each cancel so later requests download again. */
let downloads = new AbortController();

function cancelDownloads(): void {
  downloads.abort();
  downloads = new AbortController();
}

function send(message: WorkerToHost): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function describe(err: unknown): { message: string; detail?: string; code?: string } {
  if (err instanceof HubError) return { message: err.message, code: err.code };
  if (err instanceof Error) return { message: err.message, detail: err.stack };
  return { message: String(err) };
}

useHubForModels({
  onEvent: (event) => void send({ type: 'download', event }),
  // A getter: the resolver reads the signal when a download starts, so it gets the current controller.
  get signal() {
    return downloads.signal;
  },
});

async function runTraining(request: RunRequest): Promise<void> {
  if (training) {
    await send({ type: 'error', message: 'This worker is already training a run.' });
    return;
  }
  const controller = new AbortController();
  training = controller;
  let doneSent = false;
  let exitCode = 0;
  try {
    const options = resolveRunOptions(request);
    const done: DoneEvent = await train(options, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'done') doneSent = true;
        void send({ type: 'event', event });
      },
    });
    if (!doneSent) await send({ type: 'event', event: done });
  } catch (err) {
    exitCode = 1;
    await send({ type: 'error', ...describe(err) });
  }
  // TF.js backends keep handles open; the run is over, so end the process explicitly.
  process.exit(exitCode);
}

async function answer(id: number, work: () => Promise<WorkerToHost>): Promise<void> {
  try {
    await send(await work());
  } catch (err) {
    await send({ type: 'error', id, ...describe(err) });
  }
}

function handle(message: HostToWorker): void {
  switch (message.type) {
    case 'start':
      void runTraining(message.request);
      return;
    case 'stop':
      // The trainer writes a checkpoint, resolves with status 'stopped', and runTraining exits; while
      // the model downloads, train() rejects with HubError 'cancelled' instead.
      if (training) {
        training.abort();
        cancelDownloads();
      } else process.exit(0);
      return;
    case 'cancelDownload':
      cancelDownloads();
      return;
    case 'try': {
      const { backend, ...request } = message.request;
      void answer(message.id, async () => ({
        type: 'tryResult',
        id: message.id,
        results: await tryPrompts({ ...request, backend: parseBackendRequest(backend, 'promptTuner.backend') }),
      }));
      return;
    }
    case 'inspect': {
      const { backend, ...request } = message.request;
      void answer(message.id, async () => ({
        type: 'inspectResult',
        id: message.id,
        insights: await inspectPrompt({ ...request, backend: parseBackendRequest(backend, 'promptTuner.backend') }),
      }));
      return;
    }
    case 'exportNpy':
      void answer(message.id, async () => {
        exportNpy(loadPrompt(message.prompt).prompt, message.out);
        return { type: 'exported', id: message.id, path: message.out };
      });
      return;
    case 'checkBackend':
      void answer(message.id, async () => ({
        type: 'backendCheck',
        id: message.id,
        check: await checkBackend(parseBackendRequest(message.backend, 'checkBackend')),
      }));
      return;
  }
}

process.on('message', (raw: unknown) => {
  let message: HostToWorker;
  try {
    message = parseHostMessage(raw);
  } catch (err) {
    void send({ type: 'error', ...describe(err) });
    return;
  }
  handle(message);
});

// The host went away (window closed, extension host crashed): stop gracefully so the checkpoint
// is written, or leave at once when idle.
process.on('disconnect', () => {
  if (training) {
    training.abort();
    cancelDownloads();
  } else process.exit(0);
});
