// The host <-> worker boundary: every message the extension host and the training worker
// (dist/worker.js, a forked Node process) send each other, typed both ways and checked on arrival.
// Only plain JSON crosses it. The host imports this file, never the engine, so it stays TF.js-free.
import type { PromptTokenInsight, TrainEvent } from '../core/training/events';
import type { TryResult } from '../core/playground';
import type { DownloadEvent } from '../core/hub/progress';
import type { BackendCheck } from '../core/native/install-record';

export type { PromptTokenInsight, TrainEvent, DoneEvent, NearestPiece } from '../core/training/events';
export type { StepEvent, EvalEvent, RunStartedEvent, CheckpointEvent } from '../core/training/events';
export type { TryResult, PromptOutput } from '../core/playground';
export type { DownloadEvent, PlannedFile } from '../core/hub/progress';
export type { BackendCheck } from '../core/native/install-record';

/**
 * What the host asks the trainer for. Absent fields take the engine's defaults (the paper's), which
 * the worker applies: the host never loads core/training. `init` is a spec string as the CLI takes it
 * (class-labels, sampled-vocab, random-uniform, text:"...", file:<path>).
 */
export interface RunRequest {
  model: string; // folder or hub id
  train: string; // data file
  valid?: string;
  inputField?: string;
  targetField?: string;
  template?: string;
  verbalizer?: string;
  labels?: string[];
  promptLength?: number;
  init?: string;
  optimizer?: 'adafactor' | 'adam';
  lr?: number;
  batchSize?: number;
  steps?: number;
  evalEvery?: number;
  checkpointEvery?: number;
  maxInputLength?: number;
  seed?: number;
  out: string; // run folder
  resume?: string; // checkpoint folder
  backend?: string;
}

export interface TryRequest {
  model: string;
  prompts: string[]; // prompt folders (or .npy files)
  ensemble: boolean;
  inputs: string[];
  labels?: string[];
  includeBare?: boolean; // also run the frozen model without any prompt
  backend?: string;
}

export interface InspectRequest {
  model: string;
  prompt: string;
  top: number;
  backend?: string;
}

// ---- host -> worker ----

export type HostToWorker =
  | { type: 'start'; request: RunRequest }
  /** Stops the run; a model download in progress is aborted (its partial file stays for resume). */
  | { type: 'stop' }
  /** Aborts the model downloads of try/inspect requests; their replies are errors with code 'cancelled'. */
  | { type: 'cancelDownload' }
  | { type: 'try'; id: number; request: TryRequest }
  | { type: 'inspect'; id: number; request: InspectRequest }
  | { type: 'exportNpy'; id: number; prompt: string; out: string }
  /** Loads `backend` (auto, node, node-gpu, wasm, cpu) in this worker and times a matrix product. */
  | { type: 'checkBackend'; id: number; backend: string };

// ---- worker -> host ----

export type WorkerToHost =
  | { type: 'event'; event: TrainEvent }
  | { type: 'tryResult'; id: number; results: TryResult[] }
  | { type: 'inspectResult'; id: number; insights: PromptTokenInsight[] }
  | { type: 'exported'; id: number; path: string }
  | { type: 'backendCheck'; id: number; check: BackendCheck }
  /** The hub client's progress while a `--model org/name` is fetched into the cache (run or request). */
  | { type: 'download'; event: DownloadEvent }
  /**
   * A request (with id) or the run (without) failed; the message is meant for the user. `code` is the
   * hub client's HubErrorCode when a download failed ('cancelled' after stop/cancelDownload).
   */
  | { type: 'error'; id?: number; message: string; detail?: string; code?: string };

export class ProtocolError extends Error {}

type Json = Record<string, unknown>;

function objectOf(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError(`${what}: expected an object, got ${JSON.stringify(value)}`);
  return value as Json;
}

function str(m: Json, key: string, what: string): string {
  if (typeof m[key] !== 'string') throw new ProtocolError(`${what}: "${key}" must be a string`);
  return m[key] as string;
}

function num(m: Json, key: string, what: string): number {
  if (typeof m[key] !== 'number' || !Number.isFinite(m[key])) throw new ProtocolError(`${what}: "${key}" must be a finite number`);
  return m[key] as number;
}

function strings(m: Json, key: string, what: string): string[] {
  const v = m[key];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new ProtocolError(`${what}: "${key}" must be an array of strings`);
  return v as string[];
}

function checkRunRequest(value: unknown): RunRequest {
  const r = objectOf(value, 'start.request');
  str(r, 'model', 'start.request');
  str(r, 'train', 'start.request');
  str(r, 'out', 'start.request');
  for (const key of ['promptLength', 'lr', 'batchSize', 'steps', 'evalEvery', 'checkpointEvery', 'maxInputLength', 'seed']) {
    if (r[key] !== undefined) num(r, key, 'start.request');
  }
  if (r.labels !== undefined) strings(r, 'labels', 'start.request');
  if (r.optimizer !== undefined && r.optimizer !== 'adafactor' && r.optimizer !== 'adam') {
    throw new ProtocolError(`start.request: "optimizer" must be adafactor or adam, got ${JSON.stringify(r.optimizer)}`);
  }
  return r as unknown as RunRequest;
}

/** Checks a message arriving in the worker. Throws ProtocolError naming the bad field. */
export function parseHostMessage(value: unknown): HostToWorker {
  const m = objectOf(value, 'host message');
  switch (m.type) {
    case 'start':
      return { type: 'start', request: checkRunRequest(m.request) };
    case 'stop':
      return { type: 'stop' };
    case 'cancelDownload':
      return { type: 'cancelDownload' };
    case 'try': {
      const r = objectOf(m.request, 'try.request');
      str(r, 'model', 'try.request');
      strings(r, 'prompts', 'try.request');
      strings(r, 'inputs', 'try.request');
      if (typeof r.ensemble !== 'boolean') throw new ProtocolError('try.request: "ensemble" must be a boolean');
      if (r.labels !== undefined) strings(r, 'labels', 'try.request');
      return { type: 'try', id: num(m, 'id', 'try'), request: r as unknown as TryRequest };
    }
    case 'inspect': {
      const r = objectOf(m.request, 'inspect.request');
      str(r, 'model', 'inspect.request');
      str(r, 'prompt', 'inspect.request');
      num(r, 'top', 'inspect.request');
      return { type: 'inspect', id: num(m, 'id', 'inspect'), request: r as unknown as InspectRequest };
    }
    case 'exportNpy':
      return { type: 'exportNpy', id: num(m, 'id', 'exportNpy'), prompt: str(m, 'prompt', 'exportNpy'), out: str(m, 'out', 'exportNpy') };
    case 'checkBackend':
      return { type: 'checkBackend', id: num(m, 'id', 'checkBackend'), backend: str(m, 'backend', 'checkBackend') };
    default:
      throw new ProtocolError(`host message: unknown type ${JSON.stringify(m.type)}`);
  }
}

const TRAIN_EVENT_TYPES: ReadonlySet<string> = new Set<TrainEvent['type']>(['started', 'step', 'eval', 'checkpoint', 'log', 'done']);

function checkTrainEvent(value: unknown): TrainEvent {
  const e = objectOf(value, 'event');
  if (typeof e.type !== 'string' || !TRAIN_EVENT_TYPES.has(e.type)) throw new ProtocolError(`event: unknown type ${JSON.stringify(e.type)}`);
  // The fields the host reads to keep its run summary; the rest is passed through to the panel.
  if (e.type === 'step') {
    num(e, 'step', 'step event');
    num(e, 'totalSteps', 'step event');
    num(e, 'loss', 'step event');
  } else if (e.type === 'eval') {
    num(e, 'step', 'eval event');
    if (!Array.isArray(e.insights)) throw new ProtocolError('eval event: "insights" must be an array');
  } else if (e.type === 'checkpoint') {
    str(e, 'dir', 'checkpoint event');
  } else if (e.type === 'done') {
    str(e, 'status', 'done event');
    str(e, 'promptDir', 'done event');
  }
  return e as unknown as TrainEvent;
}

function numOrNull(m: Json, key: string, what: string): number | null {
  return m[key] === null ? null : num(m, key, what);
}

function bool(m: Json, key: string, what: string): boolean {
  if (typeof m[key] !== 'boolean') throw new ProtocolError(`${what}: "${key}" must be a boolean`);
  return m[key] as boolean;
}

/** Every field the host shows from a download event is checked, so the notification never shows "undefined". */
function checkDownloadEvent(value: unknown): DownloadEvent {
  const e = objectOf(value, 'download event');
  const what = `download ${JSON.stringify(e.type)} event`;
  switch (e.type) {
    case 'cache-hit':
      for (const key of ['repo', 'revision', 'commit', 'dir']) str(e, key, what);
      break;
    case 'plan':
      for (const key of ['repo', 'revision', 'commit']) str(e, key, what);
      num(e, 'downloadBytes', what);
      if (!Array.isArray(e.files)) throw new ProtocolError(`${what}: "files" must be an array`);
      e.files.forEach((f, i) => {
        const file = objectOf(f, `${what}: files[${i}]`);
        str(file, 'file', `${what}: files[${i}]`);
        numOrNull(file, 'size', `${what}: files[${i}]`);
        bool(file, 'cached', `${what}: files[${i}]`);
      });
      break;
    case 'file-start':
      str(e, 'file', what);
      numOrNull(e, 'size', what);
      num(e, 'resumeFrom', what);
      break;
    case 'progress':
      str(e, 'file', what);
      numOrNull(e, 'fileSize', what);
      numOrNull(e, 'etaSeconds', what);
      for (const key of ['fileBytes', 'bytes', 'totalBytes', 'bytesPerSecond']) num(e, key, what);
      break;
    case 'retry':
      for (const key of ['file', 'reason']) str(e, key, what);
      for (const key of ['attempt', 'resumeFrom']) num(e, key, what);
      break;
    case 'file-done':
      str(e, 'file', what);
      num(e, 'size', what);
      bool(e, 'cached', what);
      break;
    case 'note':
      str(e, 'message', what);
      break;
    case 'done':
      for (const key of ['repo', 'revision', 'commit', 'dir']) str(e, key, what);
      for (const key of ['downloadedBytes', 'seconds']) num(e, key, what);
      bool(e, 'fromCache', what);
      break;
    default:
      throw new ProtocolError(`download event: unknown type ${JSON.stringify(e.type)}`);
  }
  return e as unknown as DownloadEvent;
}

/** Every field the host shows of a backend check is checked, so the report never shows "undefined". */
function checkBackendCheck(value: unknown): BackendCheck {
  const c = objectOf(value, 'backendCheck.check');
  const what = 'backendCheck.check';
  for (const key of ['backend', 'tfBackend', 'matmul', 'source']) str(c, key, what);
  for (const key of ['gflops', 'loadSeconds']) num(c, key, what);
  bool(c, 'gpu', what);
  for (const key of ['tfVersion', 'nativeProblem']) if (c[key] !== undefined) str(c, key, what);
  return c as unknown as BackendCheck;
}

/** Checks a message arriving in the host. Throws ProtocolError naming the bad field. */
export function parseWorkerMessage(value: unknown): WorkerToHost {
  const m = objectOf(value, 'worker message');
  switch (m.type) {
    case 'event':
      return { type: 'event', event: checkTrainEvent(m.event) };
    case 'tryResult':
      if (!Array.isArray(m.results)) throw new ProtocolError('tryResult: "results" must be an array');
      return { type: 'tryResult', id: num(m, 'id', 'tryResult'), results: m.results as TryResult[] };
    case 'inspectResult':
      if (!Array.isArray(m.insights)) throw new ProtocolError('inspectResult: "insights" must be an array');
      return { type: 'inspectResult', id: num(m, 'id', 'inspectResult'), insights: m.insights as PromptTokenInsight[] };
    case 'exported':
      return { type: 'exported', id: num(m, 'id', 'exported'), path: str(m, 'path', 'exported') };
    case 'download':
      return { type: 'download', event: checkDownloadEvent(m.event) };
    case 'backendCheck':
      return { type: 'backendCheck', id: num(m, 'id', 'backendCheck'), check: checkBackendCheck(m.check) };
    case 'error': {
      const out: WorkerToHost = { type: 'error', message: str(m, 'message', 'error') };
      if (m.id !== undefined) out.id = num(m, 'id', 'error');
      if (typeof m.detail === 'string') out.detail = m.detail;
      if (typeof m.code === 'string') out.code = m.code;
      return out;
    }
    default:
      throw new ProtocolError(`worker message: unknown type ${JSON.stringify(m.type)}`);
  }
}
