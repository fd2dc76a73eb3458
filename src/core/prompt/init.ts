// Prompt initialisation (Lester et al. 2021 §3.2): random uniform, sampled vocabulary, class labels
// (the paper's best), a text phrase, or a saved prompt. Embedding rows are read from the frozen input
// embedding matrix, so an initialised position starts exactly on a real token.
import * as tf from '../tf';
import { loadPrompt } from './files';
import type { ModelIdentity } from './identity';
import { softPrompt, type SoftPrompt } from './soft-prompt';
import type { PromptInit } from './init-spec';

export { parseInit, PromptInitSchema, type PromptInit } from './init-spec';

/** The random numbers init needs (src/core/rng.ts's Rng fits). */
export interface InitRng {
  uniform(lo: number, hi: number): number; // [lo, hi)
  int(n: number): number; // [0, n)
}

export interface InitContext {
  k: number; // prompt length
  shared: tf.Tensor2D; // [vocab_size, d_model] input embedding matrix
  model: ModelIdentity; // for `file`: the saved prompt must belong to this model
  rng: InitRng;
  /** Token ids of a text, without eos (class-labels, text). */
  encode?: (text: string) => number[];
  /** Readable piece for an id, for the per-row init descriptions. */
  displayPiece?: (id: number) => string;
  /** Label words, in order (class-labels). */
  labels?: readonly string[];
}

export interface InitializedPrompt {
  prompt: SoftPrompt;
  /** Per row: the label word or piece it starts from (null for random rows). */
  initPieces: (string | null)[];
  /** Things worth telling the user (labels left out, a phrase cut, ...). */
  notes: string[];
}

export const RANDOM_UNIFORM_RANGE = 0.5; // §3.2: uniform in [-0.5, 0.5]
export const SAMPLED_VOCAB_SIZE = 5000; // §3.2: the 5,000 most common SentencePiece tokens
/** T5's pad 0, eos 1, unk 2 come first; SentencePiece orders the rest by frequency. */
export const FIRST_ORDINARY_ID = 3;

export function initPrompt(init: PromptInit, ctx: InitContext): InitializedPrompt {
  const [vocab, d] = ctx.shared.shape;
  if (d !== ctx.model.dModel || vocab !== ctx.model.vocabSize) {
    throw new Error(`initPrompt: the embedding matrix [${vocab}, ${d}] is not that of ${ctx.model.name} [${ctx.model.vocabSize}, ${ctx.model.dModel}].`);
  }
  if (!Number.isInteger(ctx.k) || ctx.k < 1) throw new Error(`The prompt length must be a positive integer, got ${ctx.k}.`);
  switch (init.kind) {
    case 'random-uniform':
      return randomUniform(ctx);
    case 'sampled-vocab':
      return fromRows(ctx, sampledVocabRows(ctx, ctx.k), []);
    case 'class-labels':
      return classLabels(ctx);
    case 'text':
      return text(ctx, init.text);
    case 'file':
      return fromFile(ctx, init.path);
  }
}

function randomUniform(ctx: InitContext): InitializedPrompt {
  const d = ctx.model.dModel;
  const data = new Float32Array(ctx.k * d);
  for (let i = 0; i < data.length; i++) data[i] = ctx.rng.uniform(-RANDOM_UNIFORM_RANGE, RANDOM_UNIFORM_RANGE);
  return { prompt: softPrompt(data, ctx.k, d), initPieces: Array(ctx.k).fill(null), notes: [] };
}

/** One prompt row to build: the mean of these embedding rows (one id for a piece). */
interface RowSource {
  ids: number[];
  piece: string;
}

function pieceName(ctx: InitContext, id: number): string {
  return ctx.displayPiece ? ctx.displayPiece(id) : `#${id}`;
}

/**
 * `count` ids from the sampled-vocab range, without replacement while the range lasts
 * (partial Fisher–Yates; a fresh pass when k exceeds the range, as for tiny test models).
 */
export function sampleVocabIds(count: number, vocabSize: number, rng: InitRng): number[] {
  const end = Math.min(FIRST_ORDINARY_ID + SAMPLED_VOCAB_SIZE, vocabSize);
  if (end <= FIRST_ORDINARY_ID) throw new Error(`sampled-vocab: the vocabulary has only ${vocabSize} rows, none after the special tokens.`);
  const ids: number[] = [];
  let pool: number[] = [];
  while (ids.length < count) {
    if (pool.length === 0) pool = Array.from({ length: end - FIRST_ORDINARY_ID }, (_, i) => FIRST_ORDINARY_ID + i);
    const j = rng.int(pool.length);
    ids.push(pool[j]);
    pool[j] = pool[pool.length - 1];
    pool.pop();
  }
  return ids;
}

function sampledVocabRows(ctx: InitContext, count: number): RowSource[] {
  return sampleVocabIds(count, ctx.model.vocabSize, ctx.rng).map((id) => ({ ids: [id], piece: pieceName(ctx, id) }));
}

function needEncode(ctx: InitContext, kind: string): (text: string) => number[] {
  if (!ctx.encode) throw new Error(`${kind} initialisation needs the tokenizer (an encode function).`);
  return ctx.encode;
}

function encodeNonEmpty(encode: (text: string) => number[], text: string, what: string, vocab: number): number[] {
  const ids = encode(text);
  if (ids.length === 0) throw new Error(`${what} ${JSON.stringify(text)} gives no tokens; it cannot initialise a prompt row.`);
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
  if (bad !== undefined) throw new Error(`${what} ${JSON.stringify(text)} gives token id ${bad}, outside the model's ${vocab} embedding rows.`);
  return ids;
}

/** §3.2: one row per label word (mean of its sub-token embeddings), the rest sampled vocab. */
function classLabels(ctx: InitContext): InitializedPrompt {
  const encode = needEncode(ctx, 'class-labels');
  const labels = ctx.labels ?? [];
  if (labels.length === 0) {
    throw new Error('class-labels initialisation needs the label words (a verbalizer or --labels); without labels use sampled-vocab.');
  }
  const used = labels.slice(0, ctx.k);
  const notes = labels.length > ctx.k
    ? [`The prompt has ${ctx.k} positions for ${labels.length} labels: only ${used.map((l) => JSON.stringify(l)).join(', ')} got a position.`]
    : [];
  const rows: RowSource[] = used.map((label) => ({ ids: encodeNonEmpty(encode, label, 'Label', ctx.model.vocabSize), piece: label }));
  return fromRows(ctx, [...rows, ...sampledVocabRows(ctx, ctx.k - rows.length)], notes);
}

/** A phrase's token embeddings, repeated or cut to k rows (as PEFT's TEXT init, without eos). */
function text(ctx: InitContext, phrase: string): InitializedPrompt {
  const ids = encodeNonEmpty(needEncode(ctx, 'text'), phrase, 'The text', ctx.model.vocabSize);
  const notes = ids.length > ctx.k
    ? [`The text has ${ids.length} tokens; the prompt has ${ctx.k} positions, so only the first ${ctx.k} tokens were used.`]
    : ids.length < ctx.k
      ? [`The text has ${ids.length} tokens; they are repeated to fill the prompt's ${ctx.k} positions.`]
      : [];
  const rows = Array.from({ length: ctx.k }, (_, i) => ids[i % ids.length]).map((id) => ({ ids: [id], piece: pieceName(ctx, id) }));
  return fromRows(ctx, rows, notes);
}

function fromFile(ctx: InitContext, path: string): InitializedPrompt {
  const loaded = loadPrompt(path, ctx.model);
  if (loaded.prompt.k !== ctx.k) {
    throw new Error(`${path}: the saved prompt has ${loaded.prompt.k} positions but the prompt length is ${ctx.k}; set the prompt length to ${loaded.prompt.k} to start from it.`);
  }
  const initPieces = loaded.metadata?.initPieces?.length === ctx.k ? loaded.metadata.initPieces : Array(ctx.k).fill(null);
  return { prompt: loaded.prompt, initPieces, notes: loaded.notes };
}

/** Builds rows as means of embedding rows, reading all needed rows in one gather. */
function fromRows(ctx: InitContext, rows: RowSource[], notes: string[]): InitializedPrompt {
  const d = ctx.model.dModel;
  const ids = rows.flatMap((r) => r.ids);
  const gathered = tf.tidy(() => tf.gather(ctx.shared, tf.tensor1d(ids, 'int32')));
  const values = gathered.dataSync(); // [ids.length, d]
  gathered.dispose();
  const data = new Float32Array(rows.length * d);
  let at = 0;
  rows.forEach((row, i) => {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let t = 0; t < row.ids.length; t++) sum += values[(at + t) * d + j];
      data[i * d + j] = sum / row.ids.length;
    }
    at += row.ids.length;
  });
  return { prompt: softPrompt(data, rows.length, d), initPieces: rows.map((r) => r.piece), notes };
}
