// The host <-> worker boundary: every message the extension host and the training worker
// (dist/worker.js, a forked Node process) send each other, as valibot schemas that each side checks
// on arrival, every field. The types crossing it derive from these schemas; where the engine
// declares one (its events, try results...), `exactly` keeps the two identical at compile time.
// Only plain JSON crosses it. The host imports this file, never the engine, so it stays TF.js-free.
//
// Requests carry an id and get exactly one answer with that id: 'start' (a run) its events, the
// last being 'done', or an error; 'try', 'inspect', 'exportNpy', 'textPrompt' and 'checkBackend'
// their result or an error. 'stop' and 'cancelDownload' are not answered: the requests they end answer instead
// (a stopped run's 'done' says stopped; a cancelled download's request fails with code 'cancelled').
import * as v from 'valibot';
import { BACKEND_PREFERENCES, BACKEND_REQUESTS, METRICS } from '../core/engine-names';
import { exactly, issuesMessage } from '../core/schema';
import { RunSettingsSchema } from '../core/settings/run-settings';
import type { LabelChecks, NearestPiece, PromptTokenInsight, TrainEvent } from '../core/training/events';
import type { InspectRequest, PromptOutput, TryRequest, TryResult } from '../core/playground';
import type { DownloadEvent, PlannedFile } from '../core/hub/progress';
import type { BackendCheck } from '../core/native/install-record';
import type { TextPromptResult } from '../core/training/text-prompt-eval';

export type { RunSettings as RunRequest } from '../core/settings/run-settings';
export type { StepEvent, EvalEvent, RunStartedEvent, CheckpointEvent, LogEvent, DoneEvent } from '../core/training/events';
// Plain functions without TensorFlow.js: the host and the panel name and score saved metrics as the trainer does.
export { METRIC_LABELS, metricValue, scoredMetric } from '../core/training/run-metric';
export type { LabelChecks, NearestPiece, PromptTokenInsight, TrainEvent, InspectRequest, PromptOutput, TryRequest, TryResult, DownloadEvent, PlannedFile, BackendCheck, TextPromptResult };

const id = v.pipe(v.number(), v.integer(), v.minValue(0));
const strings = v.array(v.string());
const backendRequest = v.picklist(BACKEND_REQUESTS);

// ---- what the engine produces ----

const NearestPieceSchema = exactly<NearestPiece>()(v.strictObject({ id: v.number(), piece: v.string(), cosine: v.number() }));

export const PromptTokenInsightSchema = exactly<PromptTokenInsight>()(
  v.strictObject({
    index: v.number(),
    nearest: v.array(NearestPieceSchema),
    norm: v.number(),
    vocabMeanNorm: v.number(),
    initPiece: v.optional(v.string()),
    drift: v.number(),
    isLabel: v.boolean(),
  }),
);

const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** The matrix must have a row per gold target and a column per label plus "other", and agree with the invalid count. */
export const LabelChecksSchema = exactly<LabelChecks>()(
  v.pipe(
    v.strictObject({
      labels: strings,
      golds: strings,
      confusion: v.array(v.array(count)),
      invalid: count,
      invalidExamples: v.array(v.strictObject({ text: v.string(), count })),
      neverPredicted: strings,
    }),
    v.check((c) => c.confusion.length === c.golds.length, 'confusion must have one row per gold label'),
    v.check((c) => c.confusion.every((row) => row.length === c.labels.length + 1), 'each confusion row must have one column per label and one for other outputs'),
    v.check((c) => c.confusion.reduce((sum, row) => sum + (row.at(-1) ?? 0), 0) === c.invalid, 'invalid must be the sum of the confusion matrix\'s "other" column'),
  ),
);

/** The scores an evaluation gives beside exact match, each when the run's metric needs it (run-metric.ts Scores). */
export const OPTIONAL_SCORES = {
  rankAccuracy: v.optional(v.number()),
  f1: v.optional(v.number()),
  macroF1: v.optional(v.number()),
  groupExactMatch: v.optional(v.number()),
  answerF1: v.optional(v.number()),
  answerExactMatch: v.optional(v.number()),
};

export const TrainEventSchema = exactly<TrainEvent>()(
  v.variant('type', [
    v.strictObject({
      type: v.literal('started'),
      runDir: v.string(),
      backend: v.string(),
      model: v.string(),
      totalSteps: v.number(),
      promptLength: v.number(),
      dModel: v.number(),
      trainExamples: v.number(),
      validExamples: v.number(),
      validFromTrain: v.boolean(),
      skippedLines: v.number(),
      truncatedInputs: v.number(),
      labels: v.optional(strings),
      resumedFromStep: v.optional(v.number()),
    }),
    v.strictObject({
      type: v.literal('step'),
      step: v.number(),
      totalSteps: v.number(),
      epoch: v.number(),
      loss: v.number(),
      learningRate: v.number(),
      examplesPerSecond: v.number(),
      etaSeconds: v.number(),
      memoryMB: v.number(),
    }),
    v.strictObject({
      type: v.literal('eval'),
      step: v.number(),
      exactMatch: v.number(),
      ...OPTIONAL_SCORES,
      metric: v.picklist(METRICS),
      score: v.number(),
      validLoss: v.number(),
      best: v.boolean(),
      insights: v.array(PromptTokenInsightSchema),
      labelChecks: v.optional(LabelChecksSchema),
    }),
    v.strictObject({ type: v.literal('checkpoint'), step: v.number(), dir: v.string(), reason: v.picklist(['interval', 'stop', 'best', 'final']) }),
    v.strictObject({ type: v.literal('log'), level: v.picklist(['info', 'warn']), message: v.string() }),
    v.strictObject({
      type: v.literal('done'),
      status: v.picklist(['completed', 'stopped', 'early-stopped', 'diverged']),
      step: v.number(),
      bestStep: v.optional(v.number()),
      bestMetric: v.optional(v.number()),
      promptDir: v.string(),
      message: v.string(),
    }),
  ]),
);

const PromptOutputSchema = exactly<PromptOutput>()(
  v.strictObject({ prompt: v.string(), text: v.string(), labelScores: v.optional(v.record(v.string(), v.number())), label: v.optional(v.string()) }),
);

export const TryResultSchema = exactly<TryResult>()(
  v.strictObject({
    input: v.string(),
    bare: v.optional(v.string()),
    outputs: v.array(PromptOutputSchema),
    ensemble: v.optional(v.strictObject({ text: v.string(), votes: v.record(v.string(), count), by: v.picklist(['label', 'text']) })),
  }),
);

const PlannedFileSchema = exactly<PlannedFile>()(v.strictObject({ file: v.string(), size: v.nullable(v.number()), cached: v.boolean() }));

export const DownloadEventSchema = exactly<DownloadEvent>()(
  v.variant('type', [
    v.strictObject({ type: v.literal('cache-hit'), repo: v.string(), revision: v.string(), commit: v.string(), dir: v.string() }),
    v.strictObject({ type: v.literal('plan'), repo: v.string(), revision: v.string(), commit: v.string(), files: v.array(PlannedFileSchema), downloadBytes: v.number() }),
    v.strictObject({ type: v.literal('file-start'), file: v.string(), size: v.nullable(v.number()), resumeFrom: v.number() }),
    v.strictObject({
      type: v.literal('progress'),
      file: v.string(),
      fileBytes: v.number(),
      fileSize: v.nullable(v.number()),
      bytes: v.number(),
      totalBytes: v.number(),
      bytesPerSecond: v.number(),
      etaSeconds: v.nullable(v.number()),
    }),
    v.strictObject({ type: v.literal('retry'), file: v.string(), attempt: v.number(), reason: v.string(), resumeFrom: v.number() }),
    v.strictObject({ type: v.literal('file-done'), file: v.string(), size: v.number(), cached: v.boolean() }),
    v.strictObject({ type: v.literal('note'), message: v.string() }),
    v.strictObject({
      type: v.literal('done'),
      repo: v.string(),
      revision: v.string(),
      commit: v.string(),
      dir: v.string(),
      fromCache: v.boolean(),
      downloadedBytes: v.number(),
      seconds: v.number(),
    }),
  ]),
);

const BackendCheckSchema = exactly<BackendCheck>()(
  v.strictObject({
    backend: v.picklist(BACKEND_PREFERENCES),
    tfBackend: v.string(),
    tfVersion: v.optional(v.string()),
    gpu: v.boolean(),
    gflops: v.number(),
    matmul: v.string(),
    source: v.string(),
    loadSeconds: v.number(),
    nativeProblem: v.optional(v.string()),
    adapter: v.optional(
      v.strictObject({
        vendor: v.string(),
        architecture: v.string(),
        device: v.string(),
        description: v.string(),
        software: v.boolean(),
        limits: v.strictObject({
          maxBufferSize: v.number(),
          maxStorageBufferBindingSize: v.number(),
          maxComputeWorkgroupStorageSize: v.number(),
          maxComputeInvocationsPerWorkgroup: v.number(),
          maxComputeWorkgroupsPerDimension: v.number(),
        }),
      }),
    ),
  }),
);

const TryRequestSchema = exactly<TryRequest>()(
  v.strictObject({
    model: v.string(),
    prompts: strings,
    ensemble: v.boolean(),
    inputs: strings,
    labels: v.optional(strings),
    labelMap: v.optional(v.string()),
    includeBare: v.optional(v.boolean()),
    maxNewTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    backend: v.optional(backendRequest),
  }),
);

const InspectRequestSchema = exactly<InspectRequest>()(
  v.strictObject({ model: v.string(), prompt: v.string(), top: v.pipe(v.number(), v.integer(), v.minValue(1)), backend: v.optional(backendRequest) }),
);

const TextPromptResultSchema = exactly<TextPromptResult>()(
  v.strictObject({ text: v.string(), shots: count, metric: v.number(), n: count, exampleInput: v.string() }),
);

// ---- host -> worker ----

export const HostToWorkerSchema = v.variant('type', [
  /** Trains a run; `request` is checked against the settings schema and completed with its defaults. */
  v.strictObject({ type: v.literal('start'), id, request: RunSettingsSchema }),
  /** Stops the run gracefully; a model download in progress is aborted (its partial file stays for resume). */
  v.strictObject({ type: v.literal('stop') }),
  /** Aborts the model downloads of try/inspect requests; their replies are errors with code 'cancelled'. */
  v.strictObject({ type: v.literal('cancelDownload') }),
  v.strictObject({ type: v.literal('try'), id, request: TryRequestSchema }),
  v.strictObject({ type: v.literal('inspect'), id, request: InspectRequestSchema }),
  v.strictObject({ type: v.literal('exportNpy'), id, prompt: v.string(), out: v.string() }),
  /** Writes the PEFT adapter folder `adapter` as the prompt folder `out` for `model`, checking its fingerprint. */
  v.strictObject({ type: v.literal('importPeft'), id, adapter: v.string(), model: v.string(), out: v.string(), backend: v.optional(backendRequest) }),
  /** Loads `backend` in this worker and times a matrix product. */
  v.strictObject({ type: v.literal('checkBackend'), id, backend: backendRequest }),
  /** Prompt design: the frozen model with `text` (and the first `shots` training examples) in front of the run's validation inputs. */
  v.strictObject({ type: v.literal('textPrompt'), id, request: RunSettingsSchema, text: v.pipe(v.string(), v.minLength(1)), shots: count }),
]);
export type HostToWorker = v.InferOutput<typeof HostToWorkerSchema>;

// ---- worker -> host ----

export const WorkerToHostSchema = v.variant('type', [
  /** The trainer's progress; `id` is the run's start request. */
  v.strictObject({ type: v.literal('event'), id, event: TrainEventSchema }),
  v.strictObject({ type: v.literal('tryResult'), id, results: v.array(TryResultSchema) }),
  v.strictObject({ type: v.literal('inspectResult'), id, insights: v.array(PromptTokenInsightSchema) }),
  v.strictObject({ type: v.literal('exported'), id, path: v.string() }),
  v.strictObject({ type: v.literal('imported'), id, path: v.string(), fingerprintChecked: v.boolean(), notes: strings }),
  v.strictObject({ type: v.literal('backendCheck'), id, check: BackendCheckSchema }),
  v.strictObject({ type: v.literal('textPromptResult'), id, result: TextPromptResultSchema }),
  /** The hub client's progress while a `--model org/name` is fetched into the cache (for a run or a request). */
  v.strictObject({ type: v.literal('download'), event: DownloadEventSchema }),
  /**
   * The request `id` failed; the message is meant for the user. Without an id: a message the worker
   * could not read and could not tell the id of. `code` is the hub client's HubErrorCode when a
   * download failed ('cancelled' after stop/cancelDownload).
   */
  v.strictObject({ type: v.literal('error'), id: v.optional(id), message: v.string(), detail: v.optional(v.string()), code: v.optional(v.string()) }),
]);
export type WorkerToHost = v.InferOutput<typeof WorkerToHostSchema>;

export class ProtocolError extends Error {
  constructor(
    message: string,
    /** The id of the request the message was, when it had a readable one: the error is its answer. */
    readonly requestId?: number,
  ) {
    super(message);
  }
}

/** Checks a message against `schema`; a ProtocolError names the message and each field at fault. */
export function parseMessage<S extends v.GenericSchema>(schema: S, value: unknown, from: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const message = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const kind = typeof message.type === 'string' ? ` ${message.type}` : '';
  const requestId = v.is(id, message.id) ? message.id : undefined;
  throw new ProtocolError(issuesMessage(result.issues, { where: `${from} message${kind}` }), requestId);
}

/** Checks a message arriving in the worker. */
export function parseHostMessage(value: unknown): HostToWorker {
  return parseMessage(HostToWorkerSchema, value, 'host');
}

/** Checks a message arriving in the host. */
export function parseWorkerMessage(value: unknown): WorkerToHost {
  return parseMessage(WorkerToHostSchema, value, 'worker');
}
