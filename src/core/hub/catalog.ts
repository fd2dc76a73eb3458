// The T5 checkpoints offered by the Tune Prompt picker, with their size, whether they are in the
// hub cache, and an estimate of the memory prompt tuning needs.
//
// Parameter counts are computed from each checkpoint's config (parameterCount below; it gives
// transformers' num_parameters(), e.g. 60,506,624 for t5-small). Download sizes are APPROXIMATE:
// 4 bytes per parameter (all these checkpoints are published in float32) plus ~0.8 MB for
// spiece.model; the hub's files differ from this by a few kilobytes of headers.
//
// Memory estimate for a prompt-tuning step: the engine's own (t5/memory.ts), which also plans its
// micro-batches, for the batch size and lengths of the user's settings.
import { totalmem } from 'node:os';
import { parameterCount, trainingBytesPerExample, type T5Architecture } from '../t5/memory';
import { DEFAULTS } from '../training/options';
import type { Env } from './env';
import { findCachedModel } from './resolve';

export { parameterCount, type T5Architecture };

export type T5Family = 'T5' | 'T5 1.1' | 'T5 1.1 LM-adapted' | 'FLAN-T5';

export interface CatalogEntry {
  repo: string;
  /** Other ids the same checkpoint is known (and may be cached) under. */
  aliases: string[];
  family: T5Family;
  size: 'small' | 'base' | 'large' | 'xl' | 'xxl';
  description: string;
  architecture: T5Architecture;
  parameters: number;
  /** Approximate bytes to download (see the header comment). */
  downloadBytes: number;
}

const SPIECE_BYTES = 791_656;

type Size = CatalogEntry['size'];
const V1_0: Record<'small' | 'base' | 'large', Omit<T5Architecture, 'vocab_size' | 'relative_attention_num_buckets' | 'is_gated_act' | 'tie_word_embeddings'>> = {
  small: { d_model: 512, d_ff: 2048, d_kv: 64, num_heads: 8, num_layers: 6, num_decoder_layers: 6 },
  base: { d_model: 768, d_ff: 3072, d_kv: 64, num_heads: 12, num_layers: 12, num_decoder_layers: 12 },
  large: { d_model: 1024, d_ff: 4096, d_kv: 64, num_heads: 16, num_layers: 24, num_decoder_layers: 24 },
};
const V1_1: Record<Size, (typeof V1_0)['small']> = {
  small: { d_model: 512, d_ff: 1024, d_kv: 64, num_heads: 6, num_layers: 8, num_decoder_layers: 8 },
  base: { d_model: 768, d_ff: 2048, d_kv: 64, num_heads: 12, num_layers: 12, num_decoder_layers: 12 },
  large: { d_model: 1024, d_ff: 2816, d_kv: 64, num_heads: 16, num_layers: 24, num_decoder_layers: 24 },
  xl: { d_model: 2048, d_ff: 5120, d_kv: 64, num_heads: 32, num_layers: 24, num_decoder_layers: 24 },
  xxl: { d_model: 4096, d_ff: 10240, d_kv: 64, num_heads: 64, num_layers: 24, num_decoder_layers: 24 },
};

function entry(repo: string, aliases: string[], family: T5Family, size: Size, description: string): CatalogEntry {
  const v10 = family === 'T5';
  const shape = v10 ? V1_0[size as keyof typeof V1_0] : V1_1[size];
  const architecture: T5Architecture = { vocab_size: 32128, relative_attention_num_buckets: 32, is_gated_act: !v10, tie_word_embeddings: v10, ...shape };
  const parameters = parameterCount(architecture);
  return { repo, aliases, family, size, description, architecture, parameters, downloadBytes: parameters * 4 + SPIECE_BYTES };
}

const DESCRIPTIONS: Record<T5Family, string> = {
  T5: 'Original T5, pre-trained on C4 span corruption plus supervised tasks.',
  'T5 1.1': 'T5 1.1: span corruption on C4 only (no supervised mix); the paper finds it needs the LM adaptation for prompt tuning.',
  'T5 1.1 LM-adapted': 'T5 1.1 trained 100K more steps as a language model: the paper’s recommended base for prompt tuning.',
  'FLAN-T5': 'T5 1.1 LM-adapted, instruction-tuned on the FLAN collection; strong zero-shot and a good prompt-tuning start.',
};

export const T5_CATALOG: readonly CatalogEntry[] = [
  ...(['small', 'base', 'large'] as const).map((s) => entry(`google-t5/t5-${s}`, [`t5-${s}`], 'T5', s, DESCRIPTIONS.T5)),
  ...(['small', 'base', 'large', 'xl', 'xxl'] as const).map((s) => entry(`google/t5-v1_1-${s}`, [], 'T5 1.1', s, DESCRIPTIONS['T5 1.1'])),
  ...(['small', 'base', 'large', 'xl'] as const).map((s) => entry(`google/t5-${s}-lm-adapt`, [], 'T5 1.1 LM-adapted', s, DESCRIPTIONS['T5 1.1 LM-adapted'])),
  ...(['small', 'base', 'large', 'xl'] as const).map((s) => entry(`google/flan-t5-${s}`, [], 'FLAN-T5', s, DESCRIPTIONS['FLAN-T5'])),
];

export interface MemoryAssumptions {
  batchSize: number;
  /** Encoder tokens including the soft prompt. */
  inputLength: number;
  targetLength: number;
}

export interface MemoryEstimate extends MemoryAssumptions {
  weightsBytes: number;
  activationBytes: number;
  totalBytes: number;
  /** This machine's memory (os.totalmem()) and whether the estimate fits in 90% of it. */
  machineBytes: number;
  fits: boolean;
}

/** What TensorFlow.js and Node hold before any tensor (measured: ~440 MB with native TensorFlow). */
const RUNTIME_BYTES = 450 * 2 ** 20;

/** Weights, one step's activations and the runtime, against 90% of this machine's memory. */
export function estimateTrainingMemory(a: T5Architecture, assumptions: Partial<MemoryAssumptions> = {}, machineBytes = totalmem()): MemoryEstimate {
  const batchSize = assumptions.batchSize ?? DEFAULTS.batchSize;
  const inputLength = assumptions.inputLength ?? DEFAULTS.maxInputLength;
  const targetLength = assumptions.targetLength ?? DEFAULTS.maxTargetLength;
  const weightsBytes = 4 * parameterCount(a);
  const activationBytes = batchSize * trainingBytesPerExample(a, { promptLength: 0, inputLength, targetLength });
  const totalBytes = weightsBytes + activationBytes + RUNTIME_BYTES;
  return { batchSize, inputLength, targetLength, weightsBytes, activationBytes, totalBytes, machineBytes, fits: totalBytes <= 0.9 * machineBytes };
}

/** The id under which `repo` (or one of its aliases) has a complete snapshot of `main` in the hub cache. */
export function cachedId(repo: string, env?: Env): string | undefined {
  const known = T5_CATALOG.find((e) => e.repo === repo || e.aliases.includes(repo));
  const ids = known ? [repo, ...[known.repo, ...known.aliases].filter((id) => id !== repo)] : [repo];
  return ids.find((id) => findCachedModel(id, 'main', env) !== undefined);
}

export function isCached(repo: string, env?: Env): boolean {
  return cachedId(repo, env) !== undefined;
}

export interface CatalogItem extends CatalogEntry {
  cached: boolean;
  /** The id to pass to resolveModel so the cached copy is used (an alias when Python cached it so). */
  cachedAs?: string;
  memory: MemoryEstimate;
}

/** The catalog with cache state and memory estimates for this machine, for the model picker. */
export function listCatalog(opts: { env?: Env; assumptions?: Partial<MemoryAssumptions> } = {}): CatalogItem[] {
  return T5_CATALOG.map((e) => {
    const cachedAs = cachedId(e.repo, opts.env);
    return { ...e, cached: cachedAs !== undefined, cachedAs, memory: estimateTrainingMemory(e.architecture, opts.assumptions) };
  });
}
