// Every setting of a prompt-tuning run, defined once: its name, type, range and default (a valibot
// schema), its help text, and where it is offered — every one is a CLI flag; some are VS Code
// settings and fields of the panel's setup form. The engine's RunOptions, the CLI's flags and --help,
// the checks on what the panel and the worker receive, and package.json's settings derive from this
// table. Defaults follow the paper (Lester et al. 2021, §3). No TensorFlow.js or Node here: the panel
// bundles it.
import * as v from 'valibot';
import { BACKEND_REQUESTS, METRICS, OPTIMIZER_KINDS, PRECISIONS } from '../engine-names';
import { parseInit, PromptInitSchema } from '../prompt/init-spec';
import { HUB_DATASET_FORM, hubDatasetProblem, isHubDataset } from '../dataset-spec';
import { parseWith, type Naming } from '../schema';
import { TASK_NAMES, withTaskPreset } from './task-presets';

export type FormSection = 'model' | 'data' | 'prompt' | 'training';

/** One setting: its schema (with v.optional's default when it has one), what it means, where it is offered. */
export interface SettingSpec {
  schema: v.GenericSchema;
  /** For --help, the VS Code setting's description and the form's hint. Plain text. */
  help: string;
  /** The placeholder of the flag's value in --help; absent for an on/off flag. */
  arg?: string;
  /** The CLI reads this environment variable when the flag is absent. */
  env?: string;
  /** A VS Code setting (promptTuner.<key>) holds the user's default; `default` for a setting the CLI requires. */
  vscode?: { key: string; order: number; default?: string; enumDescriptions?: readonly string[]; scope?: 'machine' };
  /** A field of the panel's setup form; `choices` offers these values in a dropdown. */
  form?: { label: string; section: FormSection; choices?: readonly string[] };
}

const text = () => v.pipe(v.string(), v.nonEmpty());
const count = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));

/** Every data setting: a file path, or a hub dataset `hf:org/name[:config][@revision][#split]` (checked here). */
const dataSource = () =>
  v.pipe(
    text(),
    v.rawCheck(({ dataset, addIssue }) => {
      const problem = dataset.typed && isHubDataset(dataset.value) ? hubDatasetProblem(dataset.value) : undefined;
      if (problem !== undefined) addIssue({ message: `is not a hub dataset (${HUB_DATASET_FORM}): ${problem}` });
    }),
  );

/** A spec string (class-labels, text:"...", ...) becomes a PromptInit; a PromptInit passes as it is. */
const init = v.pipe(
  v.union([v.string(), PromptInitSchema]),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== 'string') return dataset.value;
    try {
      return parseInit(dataset.value);
    } catch (err) {
      addIssue({ message: `is not a prompt initialisation (${(err as Error).message.replace(/\.$/, '')})` });
      return NEVER;
    }
  }),
);

export const RUN_SETTINGS = {
  model: {
    schema: text(),
    help: 'The frozen T5: a folder with config.json, the weights and spiece.model, or a Hugging Face hub id (org/name[@revision]). The paper tunes the LM-adapted T5 1.1 checkpoints.',
    arg: '<dir|hub-id>',
    vscode: { key: 'model', order: 0, default: 'google/t5-base-lm-adapt' },
    form: { label: 'Model folder or hub id', section: 'model' },
  },
  train: {
    schema: dataSource(),
    help: `The training data: a JSON Lines, CSV, TSV or Parquet file, or a Hugging Face hub dataset ${HUB_DATASET_FORM} (split: train by default; with --task: the task's dataset when absent).`,
    arg: '<file|hf:id>',
    form: { label: 'Training file or hf: dataset', section: 'data' },
  },
  valid: {
    schema: v.optional(dataSource()),
    help: 'The validation data (a file, or an hf: dataset whose split is validation by default); without it, a share of the training examples is held out (--valid-fraction).',
    arg: '<file|hf:id>',
    form: { label: 'Validation file or hf: dataset', section: 'data' },
  },
  task: {
    schema: v.optional(v.picklist(TASK_NAMES)),
    help: `A GLUE or SuperGLUE task (${TASK_NAMES.join(', ')}): its dataset on the Hugging Face hub (or your --train file with its fields), T5's input format and label words, the paper's metric and defaults (prompt length 100, class-label init, Adafactor at 0.3, batch 32). Settings you give yourself override the preset's.`,
    arg: 'NAME',
    form: { label: 'Task preset', section: 'data', choices: ['', ...TASK_NAMES] },
  },
  validFraction: {
    schema: v.optional(v.pipe(v.number(), v.gtValue(0), v.ltValue(1)), 0.1),
    help: 'The share of the training examples held out for validation when there is no validation file.',
    arg: 'F',
  },
  inputField: {
    schema: v.optional(text()),
    help: 'The field holding the model\'s input; detected when absent.',
    arg: 'F',
    form: { label: 'Input field', section: 'data' },
  },
  targetField: {
    schema: v.optional(text()),
    help: 'The field holding the target text; detected when absent.',
    arg: 'F',
    form: { label: 'Target field', section: 'data' },
  },
  template: {
    schema: v.optional(text()),
    help: 'The input as a template of fields instead of one field, e.g. "premise: {premise} hypothesis: {hypothesis}" ({{ and }} are literal braces).',
    arg: 'T',
    form: { label: 'or an input template', section: 'data' },
  },
  verbalizer: {
    schema: v.optional(text()),
    help: 'Words for raw target values, e.g. 0=no,1=yes.',
    arg: '0=no,1=yes',
    form: { label: 'Verbalizer', section: 'data' },
  },
  labels: {
    schema: v.optional(v.pipe(v.array(text()), v.nonEmpty())),
    help: 'The task\'s label words, comma-separated; evaluation ranks them. Default: the distinct targets, when there are at most 50.',
    arg: 'a,b',
    form: { label: 'Labels', section: 'data' },
  },
  skipInvalid: {
    schema: v.optional(v.boolean(), false),
    help: 'Skip malformed lines (and say how many) instead of stopping at the first.',
  },
  promptLength: {
    schema: v.optional(v.pipe(count(1), v.maxValue(512)), 20),
    help: 'Soft prompt tokens: 20 is enough for large models; up to 100-150 helps small ones.',
    arg: 'N',
    vscode: { key: 'promptLength', order: 3 },
    form: { label: 'Prompt length', section: 'prompt' },
  },
  init: {
    schema: v.optional(init, 'class-labels'),
    help: 'How the prompt tokens start: class-labels (the paper\'s best), sampled-vocab, random-uniform, text:<phrase> or file:<prompt folder>.',
    arg: 'SPEC',
    vscode: { key: 'init', order: 4 },
    form: { label: 'Initialisation', section: 'prompt', choices: ['class-labels', 'sampled-vocab', 'random-uniform'] },
  },
  optimizer: {
    schema: v.optional(v.picklist(OPTIMIZER_KINDS), 'adafactor'),
    help: 'The prompt\'s optimiser: adafactor (the paper\'s) or adam.',
    arg: 'NAME',
    vscode: { key: 'optimizer', order: 5 },
    form: { label: 'Optimiser', section: 'training' },
  },
  lr: {
    schema: v.optional(v.pipe(v.number(), v.gtValue(0))),
    help: 'The learning rate; default: the optimiser\'s (0.3 for Adafactor, the paper\'s; 0.01 for Adam).',
    arg: 'X',
    vscode: { key: 'learningRate', order: 6 },
    form: { label: 'Learning rate', section: 'training' },
  },
  weightDecay: {
    schema: v.optional(v.pipe(v.number(), v.minValue(0))),
    help: 'The weight decay; default: the optimiser\'s (1e-5 for Adafactor, the paper\'s; 0 for Adam).',
    arg: 'X',
  },
  warmupSteps: {
    schema: v.optional(count(0), 0),
    help: 'Raise the learning rate linearly from 0 over the first N steps (HF\'s and T5X\'s linear warmup), for runs that start slowly; 0: the full rate from the start.',
    arg: 'N',
    form: { label: 'Warmup steps', section: 'training' },
  },
  batchSize: {
    schema: v.optional(count(1), 32),
    help: 'Examples per training step.',
    arg: 'N',
    vscode: { key: 'batchSize', order: 7 },
    form: { label: 'Batch size', section: 'training' },
  },
  microBatch: {
    schema: v.optional(v.union([v.literal('auto'), count(1)]), 'auto'),
    help: 'Rows per forward/backward pass: auto plans them from the backend\'s memory. The gradient is the same.',
    arg: 'auto|N',
  },
  steps: {
    schema: v.optional(count(1), 1000),
    help: 'Training steps.',
    arg: 'N',
    vscode: { key: 'steps', order: 8 },
    form: { label: 'Steps', section: 'training' },
  },
  evalEvery: {
    schema: v.optional(count(1), 100),
    help: 'Evaluate on the validation set (and update the interpretation table) every N steps, and at the last.',
    arg: 'N',
    vscode: { key: 'evalEvery', order: 9 },
    form: { label: 'Evaluate every', section: 'training' },
  },
  checkpointEvery: {
    schema: v.optional(count(1)),
    help: 'Write a resumable checkpoint every N steps; default: at each evaluation.',
    arg: 'N',
  },
  metric: {
    schema: v.optional(v.picklist(METRICS), 'rank'),
    help: 'The validation metric that selects the best prompt: rank (rank classification accuracy over the labels), exact-match, f1 (F1 of rank classification over two labels, the second being the positive class, as T5 scores MRPC and QQP), acc-macro-f1 (the mean of rank accuracy and macro-F1 over the labels, as SuperGLUE scores CB) f1a-em (the mean of F1 over all answer options and EM per question, as SuperGLUE scores MultiRC; the rows need MultiRC\'s idx) or squad-f1-em (the mean of SQuAD\'s token F1 and exact match of the generated answer, each the best over the gold answers, as SuperGLUE scores ReCoRD; the rows need ReCoRD\'s answers).',
    arg: 'NAME',
  },
  patience: {
    schema: v.optional(count(1)),
    help: 'Stop after N evaluations without improvement; default: never.',
    arg: 'N',
  },
  dropout: {
    schema: v.optional(v.pipe(v.number(), v.minValue(0), v.ltValue(1))),
    help: 'The dropout rate while training; default: the model\'s dropout_rate.',
    arg: 'P',
  },
  maxInputLength: {
    schema: v.optional(count(1), 512),
    help: 'Input tokens, the prompt included; longer inputs are truncated.',
    arg: 'N',
  },
  maxTargetLength: {
    schema: v.optional(count(1), 16),
    help: 'Target tokens; longer targets are truncated.',
    arg: 'N',
  },
  seed: {
    schema: v.optional(count(0), 0),
    help: 'Seeds the data order, the validation split, dropout and the prompt\'s initialisation.',
    arg: 'N',
  },
  out: {
    schema: text(),
    help: 'The run folder: prompt/ (the best prompt), checkpoint/ and run.json.',
    arg: '<dir>',
  },
  resume: {
    schema: v.optional(text()),
    help: 'A checkpoint folder (<out>/checkpoint) to continue from exactly; the run keeps its settings, the step budget may grow.',
    arg: '<dir>',
  },
  backend: {
    schema: v.optional(v.picklist(BACKEND_REQUESTS), 'auto'),
    help: 'The TensorFlow.js backend: auto (the first that loads of node-gpu, webgpu on a GPU, node, wasm, cpu), node-gpu, webgpu, node, wasm or cpu. The native ones are set up by Set Up Native Backend (prompt-tune backend install); webgpu comes with the .vsix for each platform, and runs on a software adapter only when named.',
    arg: 'NAME',
    env: 'PROMPT_TUNER_BACKEND',
    vscode: {
      key: 'backend',
      order: 2,
      enumDescriptions: [
        'The first that loads of node-gpu, webgpu (a hardware GPU), node, wasm, cpu',
        'TensorFlow native with CUDA (@tensorflow/tfjs-node-gpu, from Set Up Native Backend)',
        'WebGPU through Dawn: Metal, Direct3D 12 or Vulkan on any GPU (a software adapter only when chosen here)',
        'TensorFlow native on the CPU (@tensorflow/tfjs-node, from Set Up Native Backend)',
        'WebAssembly (SIMD, threads)',
        'Plain JavaScript: slow, always available',
      ],
    },
    form: { label: 'Backend', section: 'training' },
  },
  precision: {
    schema: v.optional(v.picklist(PRECISIONS), 'fp32'),
    help: 'fp32 (exact) or bf16-math: oneDNN computes float32 products in BF16 on CPUs with AMX or AVX512-BF16 (native backend only).',
    arg: 'NAME',
    env: 'PROMPT_TUNER_PRECISION',
  },
} satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof RUN_SETTINGS;
export const SETTING_NAMES = Object.keys(RUN_SETTINGS) as SettingName[];

/** A setting's description, with the optional parts every setting may have. */
export function specOf(name: SettingName): SettingSpec {
  return RUN_SETTINGS[name];
}

type Schemas<T extends Record<string, SettingSpec>> = { [K in keyof T]: T[K]['schema'] };

function schemasOf<T extends Record<string, SettingSpec>>(table: T): Schemas<T> {
  return Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, spec.schema])) as Schemas<T>;
}

/**
 * A run's settings, checked, with every default applied. Parsing its output again gives the same
 * value, so the host, the worker and the trainer may each check what they receive.
 */
export const RunSettingsSchema = v.pipe(
  v.strictObject(schemasOf(RUN_SETTINGS)),
  v.transform((s) => ({ ...s, checkpointEvery: s.checkpointEvery ?? s.evalEvery })),
);

/** What a caller gives: the required settings and any others. */
export type RunSettingsInput = v.InferInput<typeof RunSettingsSchema>;
/** Every setting, checked and complete: what the engine trains with. */
export type RunSettings = v.InferOutput<typeof RunSettingsSchema>;

/** A setting's default as users write it ('class-labels', 32), or undefined when it has none. */
export function settingDefault(name: SettingName): unknown {
  return v.getDefault(RUN_SETTINGS[name].schema as v.GenericSchema);
}

/** The schema without v.optional around it: what a given value must be. */
export function valueSchema(schema: v.GenericSchema): v.GenericSchema {
  return schema.type === 'optional' ? (schema as v.OptionalSchema<v.GenericSchema, unknown>).wrapped : schema;
}

export interface NumberBounds {
  integer: boolean;
  /** Inclusive (min_value, max_value) or exclusive (gt_value, lt_value) bounds. */
  min?: number;
  max?: number;
  above?: number;
  below?: number;
}

/** The checks of a pipe, nested pipes included, in order. */
function actionsOf(schema: v.GenericSchema): { type: string; requirement?: unknown }[] {
  if (!('pipe' in schema)) return [];
  return (schema.pipe as (v.GenericSchema | { type: string; kind: string; requirement?: unknown })[]).flatMap((item) =>
    item === schema ? [] : item.kind === 'schema' ? actionsOf(item as v.GenericSchema) : [item],
  );
}

/** A number setting's range, read from its schema (for --help and package.json). */
export function numberBounds(schema: v.GenericSchema): NumberBounds {
  const actions = actionsOf(valueSchema(schema));
  const bound = (type: string) => actions.find((a) => a.type === type)?.requirement as number | undefined;
  return { integer: actions.some((a) => a.type === 'integer'), min: bound('min_value'), max: bound('max_value'), above: bound('gt_value'), below: bound('lt_value') };
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** Whether the setting's values include numbers (so text that reads as one becomes one). */
function takesNumbers(schema: v.GenericSchema): boolean {
  if (schema.type === 'number') return true;
  return schema.type === 'union' && (schema as v.UnionSchema<v.GenericSchema[], undefined>).options.some(takesNumbers);
}

/**
 * A setting as typed on the command line or in the form, as the value its schema checks: "32" -> 32,
 * "a, b" -> ["a", "b"] for lists. Text that is no such value stays text, for the schema to name.
 */
export function settingFromText(name: SettingName, input: string): unknown {
  const schema = valueSchema(RUN_SETTINGS[name].schema);
  if (schema.type === 'array') return input.split(',').map((item) => item.trim());
  if (schema.type === 'boolean') return input === 'true' ? true : input === 'false' ? false : input;
  return takesNumbers(schema) && NUMBER.test(input.trim()) ? Number(input) : input;
}

/**
 * Checks a run's settings and applies the defaults, a task preset's first (task-presets.ts); the
 * SchemaError names each setting at fault.
 */
export function resolveRunSettings(input: unknown, naming: Naming = {}): RunSettings {
  const withPreset = typeof input === 'object' && input !== null && !Array.isArray(input) ? withTaskPreset(input as Record<string, unknown>) : input;
  return parseWith(RunSettingsSchema, withPreset, naming);
}
