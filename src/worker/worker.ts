// The training worker: a Node process the extension host forks (dist/worker.js). It runs the engine
// — training, trying and inspecting prompts — and talks to the host only through ./protocol.
// One process trains at most one run; the host starts another for try/inspect/export/import requests.
// A hub id as the model (org/name[@revision]) or an hf: dataset as the data is fetched into the
// huggingface_hub cache first, with the hub client's progress forwarded to the host as 'download' messages.
// First import, before anything loads TensorFlow.js: where its packages come from (native install).
import './tensorflow-location';
import { exportNpy, loadPrompt } from '../core/prompt';
import { inspectPrompt, tryPrompts } from '../core/playground';
import { checkBackend } from '../core/native/check';
import { HubError, type DownloadEvent } from '../core/hub';
import { useHubForDatasets, useHubForModels } from '../core/hub/engine-resolver';
import { train } from '../core/training/trainer';
import { openSession } from '../core/session';
import { importPeftAdapter } from '../core/peft-job/import-adapter';
import { evaluateTextPrompt } from '../core/training/text-prompt-eval';
import { Outbox, processTransport } from './outbox';
import { parseHostMessage, ProtocolError, type HostToWorker, type RunRequest, type WorkerToHost } from './protocol';

let training: AbortController | undefined;
/** Aborts the downloads in progress; replaced after each cancel so later requests download again. */
let downloads = new AbortController();
const outbox = new Outbox(processTransport);

function cancelDownloads(): void {
  downloads.abort();
  downloads = new AbortController();
}

/** Ends the process once every message sent is delivered (TF.js backends keep handles open). */
async function exit(code: number): Promise<never> {
  await outbox.flush();
  process.exit(code);
}

function describe(err: unknown): { message: string; detail?: string; code?: string } {
  if (err instanceof HubError) return { message: err.message, code: err.code };
  if (err instanceof Error) return { message: err.message, detail: err.stack };
  return { message: String(err) };
}

const hubOptions = {
  onEvent: (event: DownloadEvent) => void outbox.send({ type: 'download', event }),
  // A getter: the resolver reads the signal when a download starts, so it gets the current controller.
  get signal() {
    return downloads.signal;
  },
};
useHubForModels(hubOptions);
useHubForDatasets(hubOptions);

/** Trains the run; its events carry the start request's id, and the last one ('done') or an error ends it. */
async function runTraining(id: number, request: RunRequest): Promise<void> {
  if (training) {
    await outbox.send({ type: 'error', id, message: 'This worker is already training a run.' });
    return;
  }
  const controller = new AbortController();
  training = controller;
  let doneSent = false;
  let exitCode = 0;
  try {
    const done = await train(request, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'done') doneSent = true;
        void outbox.send({ type: 'event', id, event });
      },
    });
    if (!doneSent) void outbox.send({ type: 'event', id, event: done });
  } catch (err) {
    exitCode = 1;
    void outbox.send({ type: 'error', id, ...describe(err) });
  }
  await exit(exitCode);
}

async function answer(id: number, work: () => Promise<WorkerToHost>): Promise<void> {
  try {
    await outbox.send(await work());
  } catch (err) {
    await outbox.send({ type: 'error', id, ...describe(err) });
  }
}

function handle(message: HostToWorker): void {
  switch (message.type) {
    case 'start':
      void runTraining(message.id, message.request);
      return;
    case 'stop':
      // The trainer writes a checkpoint, resolves with status 'stopped', and runTraining exits; while
      // the model downloads, train() rejects with HubError 'cancelled' instead.
      if (training) {
        training.abort();
        cancelDownloads();
      } else void exit(0);
      return;
    case 'cancelDownload':
      cancelDownloads();
      return;
    case 'try':
      void answer(message.id, async () => ({ type: 'tryResult', id: message.id, results: await tryPrompts(message.request) }));
      return;
    case 'inspect':
      void answer(message.id, async () => ({ type: 'inspectResult', id: message.id, insights: await inspectPrompt(message.request) }));
      return;
    case 'exportNpy':
      void answer(message.id, async () => {
        exportNpy(loadPrompt(message.prompt).prompt, message.out);
        return { type: 'exported', id: message.id, path: message.out };
      });
      return;
    case 'importPeft':
      void answer(message.id, async () => {
        const s = await openSession(message.model, { backend: message.backend });
        const r = importPeftAdapter(s, message.adapter, message.out);
        return { type: 'imported', id: message.id, path: r.out, fingerprintChecked: r.fingerprintChecked, notes: r.notes };
      });
      return;
    case 'textPrompt':
      void answer(message.id, async () => ({ type: 'textPromptResult', id: message.id, result: await evaluateTextPrompt(message.request, message.text, message.shots) }));
      return;
    case 'checkBackend':
      void answer(message.id, async () => ({ type: 'backendCheck', id: message.id, check: await checkBackend(message.backend) }));
      return;
  }
}

process.on('message', (raw: unknown) => {
  let message: HostToWorker;
  try {
    message = parseHostMessage(raw);
  } catch (err) {
    // A request that cannot be read is still answered, when its id can be.
    void outbox.send({ type: 'error', ...(err instanceof ProtocolError && err.requestId !== undefined ? { id: err.requestId } : {}), ...describe(err) });
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
  } else void exit(0);
});
