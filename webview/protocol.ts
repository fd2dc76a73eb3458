// The host <-> panel boundary: every message between the extension host (src/extension/panel) and
// the panel's webview app (webview/main.ts), typed both ways. The host checks what the webview sends
// with parseWebviewMessage before acting on it.
import type { RunSummary } from '../src/extension/runs/run';
import type { NativeStatus } from '../src/extension/native/native-status';
import type { PromptTokenInsight, TrainEvent, TryResult } from '../src/worker/protocol';

export type { RunSummary, NativeStatus, PromptTokenInsight, TrainEvent, TryResult };

export type PanelView = 'setup' | 'progress' | 'interpretation' | 'playground';
export const PANEL_VIEWS: readonly PanelView[] = ['setup', 'progress', 'interpretation', 'playground'];

/** The setup form's values; numbers already parsed. Empty strings mean "the default". */
export interface SetupForm {
  model: string;
  train: string;
  inputField: string;
  targetField: string;
  template: string;
  labels: string; // comma-separated
  promptLength: number;
  init: string;
  optimizer: 'adafactor' | 'adam';
  lr: string; // empty: the optimiser's default
  batchSize: number;
  steps: number;
  backend: string;
}

export interface Choice {
  label: string;
  value: string;
  detail?: string;
}

export interface SetupChoices {
  models: Choice[];
  datasets: Choice[];
  defaults: SetupForm;
}

export interface PromptChoice {
  dir: string;
  name: string;
  model: string;
  promptLength: number;
  metric?: string;
}

export interface DatasetFields {
  train: string;
  fields: string[];
  inputField?: string;
  targetField?: string;
  labels?: string[];
}

export type HostToWebview =
  | {
      type: 'init';
      runs: RunSummary[];
      selectedRunId?: string;
      view?: PanelView;
      setup: SetupChoices;
      prompts: PromptChoice[];
      trusted: boolean;
      native: NativeStatus;
    }
  /** The native backend was set up (or found damaged): what the setup form and the hint show. */
  | { type: 'native'; status: NativeStatus }
  | { type: 'run'; run: RunSummary }
  | { type: 'runRemoved'; runId: string }
  /** Everything the selected run's trainer has sent so far, replayed in order. */
  | { type: 'history'; runId: string; events: TrainEvent[] }
  | { type: 'event'; runId: string; event: TrainEvent }
  | { type: 'select'; runId?: string; view?: PanelView; prompts?: string[] }
  | { type: 'prompts'; prompts: PromptChoice[] }
  | { type: 'datasetFields'; fields: DatasetFields }
  | { type: 'browsed'; field: 'model' | 'train'; value: string }
  | { type: 'formError'; message: string }
  | { type: 'tryResult'; requestId: number; results: TryResult[] }
  | { type: 'tryError'; requestId: number; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'start'; form: SetupForm }
  | { type: 'selectRun'; runId: string }
  | { type: 'stop'; runId: string }
  | { type: 'resume'; runId: string }
  | { type: 'browse'; field: 'model' | 'train' }
  | { type: 'datasetFields'; train: string }
  | { type: 'try'; requestId: number; input: string; prompts: string[]; ensemble: boolean }
  | { type: 'openPrompt'; dir: string }
  /** The hint's button: runs "Set Up Native Backend". */
  | { type: 'setUpNative' };

export class WebviewMessageError extends Error {}

type Json = Record<string, unknown>;

function fail(why: string): never {
  throw new WebviewMessageError(why);
}

function str(m: Json, key: string, what: string): string {
  return typeof m[key] === 'string' ? (m[key] as string) : fail(`${what}: "${key}" must be a string`);
}

function int(m: Json, key: string, what: string, min: number): number {
  const v = m[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fail(`${what}: "${key}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
}

function checkForm(value: unknown): SetupForm {
  if (typeof value !== 'object' || value === null) fail('start: "form" must be an object');
  const f = value as Json;
  for (const key of ['model', 'train', 'inputField', 'targetField', 'template', 'labels', 'init', 'lr', 'backend']) str(f, key, 'start.form');
  int(f, 'promptLength', 'start.form', 1);
  int(f, 'batchSize', 'start.form', 1);
  int(f, 'steps', 'start.form', 1);
  if (f.optimizer !== 'adafactor' && f.optimizer !== 'adam') fail(`start.form: "optimizer" must be adafactor or adam`);
  return f as unknown as SetupForm;
}

/** Checks a message from the webview; throws WebviewMessageError naming the bad field. */
export function parseWebviewMessage(value: unknown): WebviewToHost {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('webview message: expected an object');
  const m = value as Json;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'start':
      return { type: 'start', form: checkForm(m.form) };
    case 'selectRun':
    case 'stop':
    case 'resume':
      return { type: m.type, runId: str(m, 'runId', m.type) };
    case 'browse':
      if (m.field !== 'model' && m.field !== 'train') fail('browse: "field" must be model or train');
      return { type: 'browse', field: m.field };
    case 'datasetFields':
      return { type: 'datasetFields', train: str(m, 'train', 'datasetFields') };
    case 'try': {
      const prompts = m.prompts;
      if (!Array.isArray(prompts) || prompts.some((p) => typeof p !== 'string')) fail('try: "prompts" must be an array of strings');
      if (typeof m.ensemble !== 'boolean') fail('try: "ensemble" must be a boolean');
      const input = str(m, 'input', 'try');
      if (!input.trim()) fail('try: "input" is empty');
      return { type: 'try', requestId: int(m, 'requestId', 'try', 0), input, prompts: prompts as string[], ensemble: m.ensemble };
    }
    case 'openPrompt':
      return { type: 'openPrompt', dir: str(m, 'dir', 'openPrompt') };
    case 'setUpNative':
      return { type: 'setUpNative' };
    default:
      return fail(`webview message: unknown type ${JSON.stringify(m.type)}`);
  }
}
