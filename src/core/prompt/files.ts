// Prompt folders on disk, in the layout PEFT's save_pretrained writes for prompt tuning:
//   adapter_config.json        PromptTuningConfig (PEFT reads it)
//   adapter_model.safetensors  one F32 tensor "prompt_embeddings" [k, d_model], metadata {format: pt}
//   prompt-tuner.json          ours: model identity, init, data settings, metrics, nearest pieces
// PeftModel.from_pretrained(t5, folder) loads our folders; we load PEFT's (and .npy files).
// Folders come from anywhere: each file is taken from inside the folder within a size limit, every
// field is checked, and a prompt that is not finite is refused on load and never written.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { recoverDir, writeFileAtomic, writeDirAtomic, writeJsonAtomic } from '../io/atomic';
import { FileFormatError, quote } from '../io/errors';
import { MIB, fileInFolder, readJsonFile, readRegularFile } from '../io/file-access';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { firstNonFinite, NON_FINITE_HINT } from './finite';
import type { ModelIdentity } from './identity';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  METADATA_FILE,
  PEFT_TENSOR,
  buildMetadata,
  parseMetadata,
  peftAdapterConfig,
  type PromptDetails,
  type PromptMetadata,
} from './metadata';
import { readNpy } from './npy';
import { softPrompt, type SoftPrompt } from './soft-prompt';

export class PromptFileError extends FileFormatError {}
/** The prompt was trained for another model than the one it is being used with. */
export class PromptMismatchError extends FileFormatError {}

export interface LoadedPrompt {
  prompt: SoftPrompt;
  source: 'prompt-tuner' | 'peft' | 'npy';
  /** The model the prompt was made for, as its files name it (absent for .npy). */
  baseModel?: string;
  metadata?: PromptMetadata; // prompt-tuner.json, for our folders
  /** Things the user should know, e.g. rows that were left out. */
  notes: string[];
}

/**
 * Writes the prompt folder `dir`, replacing it as a whole (nothing half-written survives a crash).
 * Refuses a non-empty folder that is not a prompt folder, so a wrong path never deletes user files.
 */
export function savePrompt(dir: string, prompt: SoftPrompt, model: ModelIdentity, details: PromptDetails = {}): PromptMetadata {
  const folder = resolve(dir);
  const bad = firstNonFinite(prompt.data, prompt.dModel);
  if (bad !== undefined) throw new PromptFileError(folder, `Refusing to save the prompt to ${folder}: it is not finite (${bad}). ${NON_FINITE_HINT}`);
  if (prompt.dModel !== model.dModel) {
    throw new PromptMismatchError(folder, `Cannot save the prompt to ${folder}: its width ${prompt.dModel} is not the d_model ${model.dModel} of ${model.name}.`);
  }
  if (existsSync(folder)) {
    if (!statSync(folder).isDirectory()) throw new PromptFileError(folder, `${folder} is a file; a prompt is saved as a folder. Choose another path.`);
    const entries = readdirSync(folder);
    if (entries.length > 0 && !entries.includes(ADAPTER_CONFIG_FILE) && !entries.includes(METADATA_FILE)) {
      throw new PromptFileError(folder, `${folder} already holds other files and is not a prompt folder; saving would replace it. Choose a new or empty folder.`);
    }
  }
  const metadata = buildMetadata(model, prompt.k, details);
  const weights = writeSafetensors({ [PEFT_TENSOR]: { shape: [prompt.k, prompt.dModel], data: prompt.data } }, { format: 'pt' });
  writeDirAtomic(folder, (tmp) => {
    writeJsonAtomic(join(tmp, ADAPTER_CONFIG_FILE), peftAdapterConfig(model, prompt.k));
    writeFileAtomic(join(tmp, ADAPTER_WEIGHTS_FILE), weights);
    writeJsonAtomic(join(tmp, METADATA_FILE), metadata);
  });
  return metadata;
}

/**
 * Loads a prompt folder (ours or PEFT's) or a .npy file. With `model`, refuses a prompt made for
 * another model (PromptMismatchError).
 */
export function loadPrompt(path: string, model?: ModelIdentity): LoadedPrompt {
  const full = resolve(path);
  recoverDir(full); // a save that a crash interrupted
  if (!existsSync(full)) throw new PromptFileError(full, `${full}: no such prompt folder or .npy file.`);
  const loaded = statSync(full).isDirectory() ? loadFolder(full) : loadNpyFile(full);
  if (model) {
    checkPromptFitsModel(loaded, model, full);
    const other = otherBaseModel(loaded, model);
    if (other) loaded.notes.push(other);
  }
  return loaded;
}

/**
 * What identifies a model across the ways it is named: `org/name` of a hub id (any revision) or of
 * a Hugging Face cache path, else the folder's own name; all lower case.
 */
function modelKey(name: string): string {
  const trimmed = name.trim().replace(/[\\/]+$/, '');
  const cached = /models--([^/\\]+?)--([^/\\]+)/.exec(trimmed);
  if (cached) return `${cached[1]}/${cached[2]}`.toLowerCase();
  const hub = /^([\w.-]+)\/([\w.-]+)(?:@.*)?$/.exec(trimmed);
  return (hub ? `${hub[1]}/${hub[2]}` : basename(trimmed)).toLowerCase();
}

/** The last part of a model key: a local folder named after a hub repo is that repo. */
const repoName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

/**
 * A warning when a PEFT prompt (no prompt-tuner.json, so no embedding fingerprint) names another base
 * model than the one in use: only the width could be checked, and a prompt only works with its model.
 */
function otherBaseModel(loaded: LoadedPrompt, model: ModelIdentity): string | undefined {
  if (loaded.source !== 'peft' || loaded.baseModel === undefined || loaded.baseModel.trim() === '') return undefined;
  const [a, b] = [modelKey(loaded.baseModel), modelKey(model.name)];
  if (a === b || repoName(a) === repoName(b)) return undefined;
  return (
    `This PEFT prompt was trained for "${loaded.baseModel}" (its adapter_config.json's base_model_name_or_path), but the model in use is "${model.name}": ` +
    `only the width (d_model ${model.dModel}) could be checked, and a soft prompt only works with the model it was trained on.`
  );
}

function loadNpyFile(file: string): LoadedPrompt {
  if (!file.toLowerCase().endsWith('.npy')) {
    throw new PromptFileError(file, `${file}: a prompt is a folder (adapter_config.json + adapter_model.safetensors) or a .npy file.`);
  }
  return { prompt: readNpy(file), source: 'npy', notes: ['A .npy file does not name its model: only the width (d_model) was checked.'] };
}

interface AdapterConfigFields {
  peft_type?: unknown;
  task_type?: unknown;
  num_virtual_tokens?: unknown;
  token_dim?: unknown;
  num_transformer_submodules?: unknown;
  base_model_name_or_path?: unknown;
}

/** adapter_config.json is ~1 KB; prompt-tuner.json with its nearest-piece snapshot tens of KB. */
const JSON_LIMIT = { maxBytes: 16 * MIB, what: 'a prompt folder\'s JSON file' };
/** A prompt [k, d_model] in float32: 100 x 4096 is 1.6 MB. */
const WEIGHTS_LIMIT = { maxBytes: 256 * MIB, what: 'a prompt\'s adapter_model.safetensors', hint: 'A soft prompt is a few megabytes at most.' };

function loadFolder(dir: string): LoadedPrompt {
  const configPath = join(dir, ADAPTER_CONFIG_FILE);
  const weightsPath = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(configPath)) {
    throw new PromptFileError(dir, `${dir}: no ${ADAPTER_CONFIG_FILE} here. Point to a folder saved by Prompt Tuner or by PEFT's save_pretrained.`);
  }
  fileInFolder(dir, ADAPTER_CONFIG_FILE, JSON_LIMIT, PromptFileError);
  const raw = readJsonFile(configPath, JSON_LIMIT, PromptFileError);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PromptFileError(configPath, `${configPath}: not a JSON object; the folder is damaged.`);
  const config = raw as AdapterConfigFields;
  if (config.peft_type !== 'PROMPT_TUNING') {
    throw new PromptFileError(configPath, `${configPath}: peft_type is ${quote(config.peft_type)}; only PROMPT_TUNING adapters are soft prompts.`);
  }
  if (!existsSync(weightsPath)) {
    const hint = existsSync(join(dir, 'adapter_model.bin'))
      ? ' It has adapter_model.bin (a PyTorch pickle), which is not read: save it again with save_pretrained(..., safe_serialization=True).'
      : '';
    throw new PromptFileError(dir, `${dir}: no ${ADAPTER_WEIGHTS_FILE} here.${hint}`);
  }
  fileInFolder(dir, ADAPTER_WEIGHTS_FILE, WEIGHTS_LIMIT, PromptFileError);
  const { tensors } = readSafetensors(readRegularFile(weightsPath, WEIGHTS_LIMIT, PromptFileError), weightsPath);
  const tensor = tensors.get(PEFT_TENSOR);
  if (!tensor) {
    throw new PromptFileError(weightsPath, `${weightsPath}: no tensor "${PEFT_TENSOR}" (found ${[...tensors.keys()].map((n) => `"${n}"`).join(', ') || 'none'}).`);
  }
  if (tensor.shape.length !== 2 || tensor.shape[0] < 1 || tensor.shape[1] < 1) {
    throw new PromptFileError(weightsPath, `${weightsPath}: "${PEFT_TENSOR}" has shape [${tensor.shape}]; expected [k, d_model].`);
  }
  const [rows, d] = tensor.shape;
  const positive = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
  for (const key of ['token_dim', 'num_virtual_tokens', 'num_transformer_submodules'] as const) {
    if (config[key] != null && !positive(config[key])) {
      throw new PromptFileError(configPath, `${configPath}: "${key}" must be a positive integer (got ${quote(config[key])}); the folder is damaged.`);
    }
  }
  if (positive(config.token_dim) && config.token_dim !== d) {
    throw new PromptFileError(configPath, `${configPath}: token_dim ${config.token_dim} disagrees with the tensor width ${d} in ${ADAPTER_WEIGHTS_FILE}; the folder is inconsistent.`);
  }
  const k = positive(config.num_virtual_tokens) ? config.num_virtual_tokens : rows;
  const submodules = positive(config.num_transformer_submodules) ? config.num_transformer_submodules : rows / k;
  if (!Number.isInteger(submodules) || rows !== k * submodules) {
    throw new PromptFileError(weightsPath, `${weightsPath}: "${PEFT_TENSOR}" has ${rows} rows but adapter_config.json says num_virtual_tokens ${k} × num_transformer_submodules ${submodules}; the folder is inconsistent.`);
  }
  const bad = firstNonFinite(tensor.data.subarray(0, k * d), d);
  if (bad !== undefined) throw new PromptFileError(weightsPath, `${weightsPath}: the prompt is not finite (${bad}), so every score with it would be NaN. ${NON_FINITE_HINT}`);
  const notes: string[] = [];
  if (submodules > 1) {
    notes.push(`${dir}: PEFT stored ${rows} rows (num_transformer_submodules ${submodules}); PEFT's seq2seq prompt tuning prepends only rows 0..${k - 1} to the encoder, so those ${k} were taken and the rest left out.`);
  }
  if (config.task_type != null && config.task_type !== 'SEQ_2_SEQ_LM') {
    notes.push(`${configPath}: task_type is ${quote(config.task_type)}, not SEQ_2_SEQ_LM; the prompt may have been trained for another kind of model.`);
  }
  const prompt = softPrompt(tensor.data.slice(0, k * d), k, d, weightsPath);
  const metadataPath = join(dir, METADATA_FILE);
  if (!existsSync(metadataPath)) {
    const base = typeof config.base_model_name_or_path === 'string' ? config.base_model_name_or_path : undefined;
    return { prompt, source: 'peft', ...(base !== undefined ? { baseModel: base } : {}), notes };
  }
  fileInFolder(dir, METADATA_FILE, JSON_LIMIT, PromptFileError);
  const metadata = parseMetadata(readJsonFile(metadataPath, JSON_LIMIT, PromptFileError), metadataPath);
  if (metadata.promptLength !== k || metadata.dModel !== d) {
    throw new PromptFileError(metadataPath, `${metadataPath}: says [${metadata.promptLength}, ${metadata.dModel}] but ${ADAPTER_WEIGHTS_FILE} holds [${k}, ${d}]; the folder is inconsistent.`);
  }
  return { prompt, source: 'prompt-tuner', baseModel: metadata.baseModel, metadata, notes };
}

/** Throws PromptMismatchError when the prompt cannot belong to `model` (width or embedding fingerprint). */
export function checkPromptFitsModel(loaded: LoadedPrompt, model: ModelIdentity, where: string): void {
  const madeFor = loaded.baseModel ? `"${loaded.baseModel}"` : 'an unnamed model';
  if (loaded.prompt.dModel !== model.dModel) {
    throw new PromptMismatchError(
      where,
      `${where}: this prompt was made for ${madeFor} (d_model ${loaded.prompt.dModel}) but the model "${model.name}" has d_model ${model.dModel}. ` +
        `Use it with the model it was trained on, or train a new prompt for "${model.name}".`,
    );
  }
  const recorded = loaded.metadata?.embeddingFingerprint;
  if (recorded !== undefined && recorded !== model.embeddingFingerprint) {
    throw new PromptMismatchError(
      where,
      `${where}: this prompt was made for ${madeFor}, whose input embeddings differ from those of "${model.name}" ` +
        `(fingerprint ${short(recorded)} vs ${short(model.embeddingFingerprint)}). A soft prompt only works with the exact checkpoint it was trained on ` +
        `(a bf16 copy of it is fine); load that model, or train a new prompt for "${model.name}".`,
    );
  }
}

function short(fingerprint: string): string {
  return fingerprint.slice(0, 15);
}
