// What a saved prompt folder says about itself: PEFT's adapter_config.json (so PEFT can load the
// prompt) and our prompt-tuner.json (the model it belongs to and how it was made).
import type { ModelIdentity } from './identity';
import type { PromptInit } from './init';
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

/** Checks the fields loading relies on; the descriptive rest is kept as written. */
export function parseMetadata(raw: unknown, file: string): PromptMetadata {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('not a JSON object.');
  const m = raw as Record<string, unknown>;
  if (m.format !== METADATA_FORMAT) fail(`"format" is ${JSON.stringify(m.format)}, expected "${METADATA_FORMAT}".`);
  if (typeof m.formatVersion !== 'number') fail('"formatVersion" is missing.');
  if ((m.formatVersion as number) > METADATA_VERSION) {
    fail(`"formatVersion" ${m.formatVersion} is newer than this Prompt Tuner reads (${METADATA_VERSION}); update Prompt Tuner.`);
  }
  if (typeof m.baseModel !== 'string') fail('"baseModel" must be a string (the model the prompt was trained for).');
  for (const key of ['dModel', 'promptLength'] as const) {
    if (!Number.isInteger(m[key]) || (m[key] as number) < 1) fail(`"${key}" must be a positive integer, got ${JSON.stringify(m[key])}.`);
  }
  if (m.embeddingFingerprint !== undefined && typeof m.embeddingFingerprint !== 'string') fail('"embeddingFingerprint" must be a string.');
  return m as unknown as PromptMetadata;
}
