// Which files of a hub repo make a usable T5 checkpoint: config.json, one weights layout (first
// found of model.safetensors, sharded safetensors, pytorch_model.bin, sharded pytorch_model.bin),
// the tokenizer (spiece.model, else tokenizer.json) and a few small optional files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubError } from './errors';
import { PYTORCH_INDEX, PYTORCH_WEIGHTS } from '../io/torch-checkpoint';

export const CONFIG_FILE = 'config.json';
export const SAFETENSORS = 'model.safetensors';
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';
/** Preference order: safetensors needs no unpickling and loads fastest. */
export const WEIGHT_FILES = [SAFETENSORS, SAFETENSORS_INDEX, PYTORCH_WEIGHTS, PYTORCH_INDEX] as const;
export const TOKENIZER_FILES = ['spiece.model', 'tokenizer.json'] as const;
export const OPTIONAL_FILES = ['generation_config.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

const INDEX_FILES: readonly string[] = [SAFETENSORS_INDEX, PYTORCH_INDEX];

export interface FileChoice {
  /** Files to fetch first, in order (an index file comes before its shards). */
  files: string[];
  /** The weights' index file when the weights are sharded: its shards are added after reading it. */
  index?: string;
  /** Present in the repo but not used, for the log (e.g. a repo without a tokenizer). */
  notes: string[];
}

export function chooseFiles(present: ReadonlySet<string>, label: string): FileChoice {
  if (!present.has(CONFIG_FILE)) {
    throw new HubError('file-not-found', `${label} has no config.json, so it is not a transformers checkpoint. Check the repo name.`);
  }
  const weights = WEIGHT_FILES.find((f) => present.has(f));
  if (!weights) {
    const other = [...present].filter((f) => /\.(h5|msgpack|gguf|onnx|ckpt|pt|pth)$/.test(f));
    const seen = other.length > 0 ? ` It has ${other.slice(0, 4).join(', ')}, which this extension does not read.` : '';
    throw new HubError('no-weights', `${label} has no weights this extension reads (looked for ${WEIGHT_FILES.join(', ')}).${seen} Pick a checkpoint with PyTorch or safetensors weights.`);
  }
  const tokenizer = TOKENIZER_FILES.find((f) => present.has(f));
  const notes = tokenizer ? [] : [`${label} has no ${TOKENIZER_FILES.join(' or ')}; add a tokenizer (T5 models share spiece.model) before training.`];
  const files = [CONFIG_FILE, weights, ...(tokenizer ? [tokenizer] : []), ...OPTIONAL_FILES.filter((f) => present.has(f))];
  return { files, index: INDEX_FILES.includes(weights) ? weights : undefined, notes };
}

/** The shard files named by a weights index (model.safetensors.index.json or its pytorch twin). */
export function shardsOf(indexPath: string, label: string): string[] {
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8')) as typeof index;
  } catch (err) {
    throw new HubError('bad-response', `${label}: ${indexPath} is not valid JSON (${(err as Error).message}).`);
  }
  if (!index.weight_map || typeof index.weight_map !== 'object') {
    throw new HubError('bad-response', `${label}: ${indexPath} has no "weight_map"; the index file is damaged.`);
  }
  const shards = [...new Set(Object.values(index.weight_map))];
  const bad = shards.find((s) => typeof s !== 'string' || s === '' || s.includes('..') || s.startsWith('/'));
  if (bad !== undefined) throw new HubError('bad-response', `${label}: ${indexPath} names an invalid shard "${String(bad)}".`);
  return shards;
}

/** What a folder lacks to be loaded and tokenized; empty when it is complete. */
export function missingFiles(dir: string): string[] {
  const has = (f: string) => existsSync(join(dir, f));
  const missing: string[] = [];
  if (!has(CONFIG_FILE)) missing.push(CONFIG_FILE);
  const weights = WEIGHT_FILES.find(has);
  if (!weights) missing.push(WEIGHT_FILES.join(' or '));
  else if (INDEX_FILES.includes(weights)) {
    try {
      missing.push(...shardsOf(join(dir, weights), dir).filter((s) => !has(s)));
    } catch {
      missing.push(weights);
    }
  }
  if (!TOKENIZER_FILES.some(has)) missing.push(TOKENIZER_FILES.join(' or '));
  return missing;
}
