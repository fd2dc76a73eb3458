// The host <-> panel boundary: every message between the extension host (src/extension/panel) and
// the panel's webview app (webview/main.ts), as valibot schemas that each side checks on arrival,
// every field; the types derive from them. Both sides import this file and nothing else of the other.
//
// Every message from the panel is a request with an id, answered by exactly one reply with that id:
// the reply REPLY_TO names, or 'error'. The host's other messages are pushes, without an id.
import * as v from 'valibot';
import { exactly } from '../src/core/schema';
import { METRICS } from '../src/core/engine-names';
import { RunSettingsSchema } from '../src/core/settings/run-settings';
import { FORM_FIELDS, FormValuesSchema, formText, type FormField, type FormValues } from '../src/core/settings/form';
import { describeTaskPreset, isTaskName, withTaskPreset } from '../src/core/settings/task-presets';
import type { NativeVariant } from '../src/core/native/install-record';
import { parseMessage, TrainEventSchema, TryResultSchema } from '../src/worker/protocol';

export type { DoneEvent, EvalEvent, LabelChecks, PromptTokenInsight, RunRequest, RunStartedEvent, StepEvent, TrainEvent, TryResult } from '../src/worker/protocol';
export { ProtocolError } from '../src/worker/protocol';
export { FORM_FIELDS, formText, type FormField, type FormValues };
export { describeTaskPreset, isTaskName, withTaskPreset };
export { METRIC_LABELS, metricValue } from '../src/worker/protocol';

const id = v.pipe(v.number(), v.integer(), v.minValue(0));
const strings = v.array(v.string());

export const PANEL_VIEWS = ['setup', 'progress', 'interpretation', 'playground', 'sweep'] as const;
export type PanelView = (typeof PANEL_VIEWS)[number];

export const RUN_STATUSES = ['queued', 'training', 'stopping', 'stopped', 'completed', 'failed', 'crashed'] as const;

/**
 * A run's place in a sweep: the sweep's id and folder (sweep.json beside its cells' run folders), the
 * cell's folder name and the values it gives the swept settings (as sweep.json records them).
 */
export const SweepMemberSchema = v.strictObject({
  id: v.string(),
  name: v.string(),
  dir: v.string(),
  cell: v.string(),
  overrides: v.record(v.string(), v.union([v.string(), v.number()])),
});
export type SweepMember = v.InferOutput<typeof SweepMemberSchema>;

/** One run as the host keeps it (and saves in the workspace state): the sidebar, status bar and panel show it. */
export const RunSummarySchema = v.strictObject({
  id: v.string(),
  name: v.string(),
  status: v.picklist(RUN_STATUSES),
  request: RunSettingsSchema,
  step: v.number(),
  totalSteps: v.number(),
  loss: v.optional(v.number()),
  examplesPerSecond: v.optional(v.number()),
  etaSeconds: v.optional(v.number()),
  /** What the worker does before training starts ("downloading google/t5-base-lm-adapt · 45%"). */
  activity: v.optional(v.string()),
  memoryMB: v.optional(v.number()),
  backend: v.optional(v.string()),
  labels: v.optional(strings),
  /** Best validation value so far of the run's metric (run-metric.ts). */
  bestMetric: v.optional(v.number()),
  bestStep: v.optional(v.number()),
  checkpointDir: v.optional(v.string()),
  promptDir: v.optional(v.string()),
  /** Why the run ended (the trainer's done message, the error, or the crash report). */
  message: v.optional(v.string()),
  /** The worker's last lines of output, kept when it crashed. */
  lastOutput: v.optional(strings),
  /** Wall time of training (resumed runs add up their sessions), for a sweep's table. */
  seconds: v.optional(v.number()),
  /** The sweep whose cell this run is (Start Sweep): the group the sidebar and the sweep view show. */
  sweep: v.optional(SweepMemberSchema),
});
export type RunSummary = v.InferOutput<typeof RunSummarySchema>;
export type RunStatus = RunSummary['status'];

/** What the host knows of the native install (read from disk, never loaded). */
export const NativeStatusSchema = v.strictObject({
  /** none: never set up; ready: set up and checked; outdated/damaged: set up, but it must be set up again. */
  state: v.picklist(['none', 'ready', 'outdated', 'damaged']),
  /** One line for people: what runs and how fast, or what is wrong. */
  summary: v.string(),
  variant: v.optional(exactly<NativeVariant>()(v.picklist(['cpu', 'gpu']))),
});
export type NativeStatus = v.InferOutput<typeof NativeStatusSchema>;

const ChoiceSchema = v.strictObject({ label: v.string(), value: v.string(), detail: v.optional(v.string()) });
export type Choice = v.InferOutput<typeof ChoiceSchema>;

const PromptChoiceSchema = v.strictObject({ dir: v.string(), name: v.string(), model: v.string(), promptLength: v.number(), metric: v.optional(v.string()) });
export type PromptChoice = v.InferOutput<typeof PromptChoiceSchema>;

const DatasetFieldsSchema = v.strictObject({
  train: v.string(),
  fields: strings,
  inputField: v.optional(v.string()),
  targetField: v.optional(v.string()),
  labels: v.optional(strings),
});
export type DatasetFields = v.InferOutput<typeof DatasetFieldsSchema>;

/** The setup form's choices: known models and data files, and each field's starting text. */
const SetupChoicesSchema = v.strictObject({ models: v.array(ChoiceSchema), datasets: v.array(ChoiceSchema), defaults: FormValuesSchema });
export type SetupChoices = v.InferOutput<typeof SetupChoicesSchema>;

/**
 * A sweep as the panel's Sweep view shows it: each run's validation curve (one colour per grid point,
 * its seeds alike), and the results table's rows (mean ± std over the seeds that have a metric so far).
 */
export const SweepViewSchema = v.strictObject({
  /** What the host shows: a sweep started in this window (its id) or a sweep.json; the panel keeps it across reloads. */
  source: v.union([v.strictObject({ group: v.string() }), v.strictObject({ file: v.string() })]),
  name: v.string(),
  /** Its sweep.json. */
  file: v.string(),
  /** The metric the runs are scored by (run-metric.ts) and what the view calls it. */
  metric: v.picklist(METRICS),
  metricName: v.string(),
  /** Started here, its runs managed by this window (else read from a sweep.json on disk). */
  live: v.boolean(),
  cells: v.number(),
  finished: v.number(),
  curves: v.array(v.strictObject({
    /** The grid point: the swept values other than the seed, as the table's row names them. */
    point: v.string(),
    seed: v.number(),
    status: v.string(),
    steps: v.array(v.number()),
    values: v.array(v.number()),
  })),
  rows: v.array(v.strictObject({
    point: v.string(),
    values: v.record(v.string(), v.string()),
    seeds: v.number(),
    /** Seeds finished (the rest wait or train). */
    done: v.number(),
    mean: v.optional(v.number()),
    std: v.optional(v.number()),
    meanBestStep: v.optional(v.number()),
    meanSeconds: v.optional(v.number()),
  })),
  /** Prompt design's row (eval --text-prompt): the frozen model's score with a hand-written prompt. */
  textPrompt: v.optional(v.strictObject({ text: v.string(), shots: v.number(), metric: v.number(), n: v.number() })),
});
export type SweepView = v.InferOutput<typeof SweepViewSchema>;

const view = v.picklist(PANEL_VIEWS);

// ---- panel -> host: requests ----

export const WebviewToHostSchema = v.variant('type', [
  v.strictObject({ type: v.literal('ready'), id }),
  /** A new run from the setup form's text (the fields left empty take the defaults). */
  v.strictObject({ type: v.literal('start'), id, form: FormValuesSchema }),
  /** A sweep from the setup form: its fields are the base run, `grid` the swept values as typed (Start Sweep's), with prompt design's optional text prompt and shots. */
  v.strictObject({ type: v.literal('startSweep'), id, form: FormValuesSchema, grid: v.strictObject({ promptLength: v.string(), init: v.string(), seeds: v.string(), textPrompt: v.optional(v.string()), shots: v.optional(v.string()) }) }),
  v.strictObject({ type: v.literal('selectRun'), id, runId: v.string() }),
  v.strictObject({ type: v.literal('stop'), id, runId: v.string() }),
  v.strictObject({ type: v.literal('resume'), id, runId: v.string() }),
  v.strictObject({ type: v.literal('browse'), id, field: v.picklist(['model', 'train', 'hubDataset']) }),
  v.strictObject({ type: v.literal('datasetFields'), id, train: v.string() }),
  v.strictObject({
    type: v.literal('try'),
    id,
    input: v.pipe(v.string(), v.check((s) => s.trim() !== '', 'must not be blank')),
    prompts: strings,
    ensemble: v.boolean(),
    /** The prompts' labels as another task's, as typed (`entailment=duplicate,...`); the host parses it. */
    labelMap: v.optional(v.string()),
  }),
  /** The hint's button: runs "Set Up Native Backend". */
  v.strictObject({ type: v.literal('setUpNative'), id }),
]);
export type WebviewToHost = v.InferOutput<typeof WebviewToHostSchema>;
/** What the playground asks to try. */
export type PlaygroundTry = Omit<Extract<WebviewToHost, { type: 'try' }>, 'type' | 'id'>;

// ---- host -> panel: replies (with the request's id) and pushes ----

export const HostToWebviewSchema = v.variant('type', [
  v.strictObject({
    type: v.literal('init'),
    id,
    runs: v.array(RunSummarySchema),
    selectedRunId: v.optional(v.string()),
    view: v.optional(view),
    setup: SetupChoicesSchema,
    prompts: v.array(PromptChoiceSchema),
    trusted: v.boolean(),
    native: NativeStatusSchema,
  }),
  v.strictObject({ type: v.literal('started'), id, runId: v.string() }),
  /** The path chosen; none when the dialog was cancelled. */
  v.strictObject({ type: v.literal('browsed'), id, value: v.optional(v.string()) }),
  v.strictObject({ type: v.literal('datasetFields'), id, fields: DatasetFieldsSchema }),
  v.strictObject({ type: v.literal('tryResult'), id, results: v.array(TryResultSchema) }),
  /** A request that has no result was carried out. */
  v.strictObject({ type: v.literal('done'), id }),
  /** The request failed; `field` is the setup form's field at fault. */
  v.strictObject({ type: v.literal('error'), id, message: v.string(), field: v.optional(v.string()) }),
  /** The native backend was set up (or found damaged): what the setup form and the hint show. */
  v.strictObject({ type: v.literal('native'), status: NativeStatusSchema }),
  v.strictObject({ type: v.literal('run'), run: RunSummarySchema }),
  v.strictObject({ type: v.literal('runRemoved'), runId: v.string() }),
  /** Everything the selected run's trainer has sent so far, replayed in order. */
  v.strictObject({ type: v.literal('history'), runId: v.string(), events: v.array(TrainEventSchema) }),
  v.strictObject({ type: v.literal('event'), runId: v.string(), event: TrainEventSchema }),
  v.strictObject({ type: v.literal('select'), runId: v.optional(v.string()), view: v.optional(view), prompts: v.optional(strings) }),
  v.strictObject({ type: v.literal('prompts'), prompts: v.array(PromptChoiceSchema) }),
  /** The sweep the Sweep view shows, again whenever one of its runs evaluates or finishes. */
  v.strictObject({ type: v.literal('sweep'), sweep: SweepViewSchema }),
]);
export type HostToWebview = v.InferOutput<typeof HostToWebviewSchema>;

/** The reply each request gets when it succeeds. */
export const REPLY_TO = {
  ready: 'init',
  start: 'started',
  startSweep: 'done',
  selectRun: 'done',
  stop: 'done',
  resume: 'done',
  browse: 'browsed',
  datasetFields: 'datasetFields',
  try: 'tryResult',
  setUpNative: 'done',
} as const satisfies Record<WebviewToHost['type'], HostToWebview['type']>;

export type RequestType = WebviewToHost['type'];
export type ReplyTo<T extends RequestType> = Extract<HostToWebview, { type: (typeof REPLY_TO)[T] }>;
/** A reply without its envelope: what a request's handler returns. */
export type ReplyBody<T extends RequestType> = Omit<ReplyTo<T>, 'type' | 'id'>;
export type Reply = Extract<HostToWebview, { id: number }>;
export type Push = Exclude<HostToWebview, { id: number }>;
/** A request as its sender writes it; the id is added when it is sent. */
export type Request = WebviewToHost extends infer M ? (M extends WebviewToHost ? Omit<M, 'id'> : never) : never;

/** Checks a message from the panel; a ProtocolError names the field (and the request's id, to answer it). */
export function parseWebviewMessage(value: unknown): WebviewToHost {
  return parseMessage(WebviewToHostSchema, value, 'panel');
}

/** Checks a message from the host. */
export function parseHostToWebview(value: unknown): HostToWebview {
  return parseMessage(HostToWebviewSchema, value, 'host');
}

/** Whether a message answers a request (a reply or an error) rather than being pushed. */
export function isReply(message: HostToWebview): message is Reply {
  return 'id' in message;
}
