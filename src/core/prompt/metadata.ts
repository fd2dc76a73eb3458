// What a saved prompt folder says about itself: PEFT's adapter_config.json (so PEFT can load the
// prompt) and our prompt-tuner.json (the model it belongs to and how it was made). prompt-tuner.json
// comes from wherever the user got the folder, so it is checked against a valibot schema on load.
import * as v from 'valibot';
import { FileFormatError } from '../io/errors';
import { issuesMessage } from '../schema';
import type { ModelIdentity } from './identity';
import { PromptInitSchema, type PromptInit } from './init-spec';
import type { PromptTokenInsight } from './nearest';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
export const METADATA_FILE = 'prompt-tuner.json';
/** PEFT's tensor name for PromptEmbedding.embedding.weight in adapter_model.safetensors. */
export const PEFT_TENSOR = 'prompt_embeddings';

/** adapter_config.json as PEFT 0.21 writes it for PromptTuningConfig (every key, in its order). */
export interface PeftPromptTuningConfig {
  auto_mapping: null;
  base_model_name_or_path: string | null;
  inference_mode: boolean;
  modules_to_save: null;
  num_attention_heads: number;
  num_layers: number;
  num_transformer_submodules: number; // 1 = encoder-only prompt (the paper); PEFT's seq2seq default is 2
  num_virtual_tokens: number; // k
  peft_type: 'PROMPT_TUNING';
  peft_version: string;
  prompt_tuning_init: 'RANDOM' | 'TEXT' | 'SAMPLE_VOCAB';
  prompt_tuning_init_text: string | null;
  revision: string | null;
  task_type: 'SEQ_2_SEQ_LM';
  token_dim: number; // d_model
  tokenizer_kwargs: null;
  tokenizer_name_or_path: string | null;
}

/** The PEFT release whose adapter_config.json layout we write (the one the fixtures were made with). */
export const PEFT_FORMAT_VERSION = '0.21.0';

/**
 * prompt_tuning_init is always RANDOM: PEFT replaces the init with the saved tensor on load, and
 * RANDOM is the value every PEFT version reads without side effects (TEXT makes PEFT load a
 * tokenizer when the prompt is reopened for training). Our actual init is in prompt-tuner.json.
 */
export function peftAdapterConfig(model: ModelIdentity, k: number): PeftPromptTuningConfig {
  return {
    auto_mapping: null,
    base_model_name_or_path: model.name,
    inference_mode: true,
    modules_to_save: null,
    num_attention_heads: model.numHeads,
    num_layers: model.numLayers,
    num_transformer_submodules: 1,
    num_virtual_tokens: k,
    peft_type: 'PROMPT_TUNING',
    peft_version: PEFT_FORMAT_VERSION,
    prompt_tuning_init: 'RANDOM',
    prompt_tuning_init_text: null,
    revision: null,
    task_type: 'SEQ_2_SEQ_LM',
    token_dim: model.dModel,
    tokenizer_kwargs: null,
    tokenizer_name_or_path: null,
  };
}

export const METADATA_FORMAT = 'prompt-tuner/soft-prompt';
export const METADATA_VERSION = 1;

/** Run settings worth keeping with the prompt (names as the trainer's options spell them). */
export interface TrainingSettings {
  optimizer?: string;
  lr?: number;
  weightDecay?: number;
  batchSize?: number;
  steps?: number;
  dropout?: number;
  maxInputLength?: number;
  maxTargetLength?: number;
  seed?: number;
  metric?: string;
  stepsDone?: number;
  bestStep?: number;
  backend?: string;
}

export interface MetricPoint {
  step: number;
  trainLoss?: number;
  validLoss?: number;
  exactMatch?: number;
  rankAccuracy?: number;
  f1?: number;
  macroF1?: number;
  groupExactMatch?: number;
  answerF1?: number;
  answerExactMatch?: number;
}

/** prompt-tuner.json. The first block is written by savePrompt from the model; the rest by the trainer. */
export interface PromptMetadata {
  format: typeof METADATA_FORMAT;
  formatVersion: number;
  baseModel: string;
  embeddingFingerprint?: string; // see identity.ts; absent for prompts imported without a model
  dModel: number;
  vocabSize?: number;
  promptLength: number;
  savedAt?: string; // ISO 8601
  init?: PromptInit;
  initPieces?: (string | null)[]; // per row: the label word or piece it started from
  template?: string;
  verbalizer?: string;
  labels?: string[];
  training?: TrainingSettings;
  metrics?: MetricPoint[];
  nearest?: PromptTokenInsight[];
}

/** Everything the caller may add to prompt-tuner.json; the rest comes from the model and the prompt. */
export type PromptDetails = Omit<PromptMetadata, 'format' | 'formatVersion' | 'baseModel' | 'embeddingFingerprint' | 'dModel' | 'vocabSize' | 'promptLength'>;

export function buildMetadata(model: ModelIdentity, k: number, details: PromptDetails): PromptMetadata {
  return {
    format: METADATA_FORMAT,
    formatVersion: METADATA_VERSION,
    baseModel: model.name,
    embeddingFingerprint: model.embeddingFingerprint,
    dModel: model.dModel,
    vocabSize: model.vocabSize,
    promptLength: k,
    savedAt: new Date().toISOString(),
    ...details,
  };
}

/** prompt-tuner.json that cannot be used, named in the message. */
export class MetadataError extends FileFormatError {}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const positive = v.pipe(v.number(), v.integer(), v.minValue(1));
/** JSON writes NaN and Infinity as null: a diverged run's losses come back so. */
const measured = v.pipe(v.nullish(v.number()), v.transform((x) => x ?? undefined));
const finite = v.pipe(v.number(), v.finite());

export const TrainingSchema = v.looseObject({
  optimizer: v.optional(v.string()),
  lr: v.optional(v.number()),
  weightDecay: v.optional(v.number()),
  batchSize: v.optional(positive),
  steps: v.optional(count),
  dropout: v.optional(v.number()),
  maxInputLength: v.optional(positive),
  maxTargetLength: v.optional(positive),
  seed: v.optional(v.number()),
  metric: v.optional(v.string()),
  stepsDone: v.optional(count),
  bestStep: v.optional(count),
  backend: v.optional(v.string()),
});

export const MetricSchema = v.looseObject({ step: count, trainLoss: measured, validLoss: measured, exactMatch: measured, rankAccuracy: measured, f1: measured, macroF1: measured, groupExactMatch: measured, answerF1: measured, answerExactMatch: measured });

const InsightSchema = v.looseObject({
  index: count,
  nearest: v.array(v.looseObject({ id: count, piece: v.string(), cosine: finite })),
  norm: finite,
  vocabMeanNorm: finite,
  initPiece: v.optional(v.string()),
  drift: finite,
  isLabel: v.boolean(),
});

/** prompt-tuner.json: the fields loading and the views rely on are checked; unknown fields are kept as written. */
const MetadataSchema = v.looseObject({
  format: v.literal(METADATA_FORMAT),
  formatVersion: positive,
  baseModel: v.string(),
  embeddingFingerprint: v.optional(v.string()),
  dModel: positive,
  vocabSize: v.optional(count),
  promptLength: positive,
  savedAt: v.optional(v.string()),
  init: v.optional(PromptInitSchema),
  initPieces: v.optional(v.array(v.nullable(v.string()))),
  template: v.optional(v.string()),
  verbalizer: v.optional(v.string()),
  labels: v.optional(v.array(v.string())),
  training: v.optional(TrainingSchema),
  metrics: v.optional(v.array(MetricSchema)),
  nearest: v.optional(v.array(InsightSchema)),
});

/** Compiles only while the schema's output is a PromptMetadata. */
const asMetadata = (m: v.InferOutput<typeof MetadataSchema>): PromptMetadata => m;

/** Checks prompt-tuner.json against its schema; errors name the file and the field. */
export function parseMetadata(raw: unknown, file: string): PromptMetadata {
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > METADATA_VERSION) {
    throw new MetadataError(file, `${file}: "formatVersion" ${version} is newer than this Prompt Tuner reads (${METADATA_VERSION}); update Prompt Tuner.`);
  }
  const result = v.safeParse(MetadataSchema, raw);
  if (result.success) return asMetadata(result.output);
  const more = result.issues.length > 3 ? `; and ${result.issues.length - 3} more` : '';
  throw new MetadataError(
    file,
    `${issuesMessage(result.issues.slice(0, 3), { where: file })}${more}. This prompt-tuner.json is damaged or not Prompt Tuner's; remove it to load the folder as a plain PEFT prompt.`,
  );
}
