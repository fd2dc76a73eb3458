// What a soft prompt "says" (Lester et al. 2021 §7): for each prompt row the nearest vocabulary rows
// by cosine against the INPUT embedding matrix (every row, ids 0 and 1 included), its L2 norm beside
// the vocabulary's mean norm, and how far it moved from its initial value.
import * as tf from '../tf';
import { promptRow, promptToTensor, type SoftPrompt } from './soft-prompt';
import type { T5Model } from '../t5/model';
import type { T5Tokenizer } from '../tokenizer';

export interface NearestPiece {
  id: number;
  piece: string; // display form (word boundary visible)
  cosine: number;
}

export interface PromptTokenInsight {
  index: number; // prompt position 0..k-1
  nearest: NearestPiece[]; // top-k by cosine against the input embedding matrix
  norm: number; // L2 norm of the prompt row
  vocabMeanNorm: number; // mean L2 norm of the vocabulary rows
  initPiece?: string; // the piece this row was initialised from, if any
  drift: number; // L2 distance from the row's initial value
  isLabel: boolean; // nearest piece is (part of) a label word
}

export interface InsightOptions {
  /** Readable piece for an id (the tokenizer's displayPiece). */
  displayPiece: (id: number) => string;
  topK?: number; // default 5, as the paper
  /** Token ids of the label words' sub-tokens: a row whose nearest piece is one is flagged isLabel. */
  labelTokenIds?: Iterable<number>;
  initial?: SoftPrompt; // for drift; drift is 0 without it
  initPieces?: readonly (string | null | undefined)[];
}

export const DEFAULT_TOP_K = 5;
/** torch.nn.functional.cosine_similarity's eps: a zero row has cosine 0, not NaN. */
const COSINE_EPS = 1e-8;
/** Rows per chunk when computing vocabulary norms, to bound the temporary [rows, d_model] copy. */
const NORM_CHUNK_ROWS = 4096;

export interface VocabNorms {
  inverse: Float32Array; // [vocab] 1 / max(||row||, eps)
  mean: number; // mean L2 norm over all rows
}

// The embedding matrix is frozen, so its norms are computed once per tensor. Kept as plain arrays,
// not tensors, so nothing stays allocated on the backend when the model is disposed.
const normCache = new WeakMap<tf.Tensor2D, VocabNorms>();

export function vocabNorms(shared: tf.Tensor2D): VocabNorms {
  const cached = normCache.get(shared);
  if (cached) return cached;
  const [vocab, d] = shared.shape;
  const norms = new Float32Array(vocab);
  for (let start = 0; start < vocab; start += NORM_CHUNK_ROWS) {
    const size = Math.min(NORM_CHUNK_ROWS, vocab - start);
    const chunk = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.slice(shared, [start, 0], [size, d])), 1)));
    norms.set(chunk.dataSync(), start);
    chunk.dispose();
  }
  let sum = 0;
  const inverse = new Float32Array(vocab);
  norms.forEach((n, i) => {
    sum += n;
    inverse[i] = 1 / Math.max(n, COSINE_EPS);
  });
  const result = { inverse, mean: sum / vocab };
  normCache.set(shared, result);
  return result;
}

/**
 * Top-K cosine neighbours of every prompt row in one matMul: normalised prompt [k, d] @ vocab^T
 * [d, V], then scaled column-wise by 1/||vocab row|| (the same as normalising the vocabulary, without
 * a second copy of a matrix that can be hundreds of MB), then tf.topk per row.
 */
export function nearestVocabulary(prompt: SoftPrompt, shared: tf.Tensor2D, topK = DEFAULT_TOP_K): { ids: number[][]; cosines: number[][] } {
  const [vocab, d] = shared.shape;
  if (prompt.dModel !== d) throw new Error(`The prompt has width ${prompt.dModel} but the embedding matrix has d_model ${d}.`);
  const kTop = Math.min(topK, vocab);
  const { inverse } = vocabNorms(shared);
  const { values, indices } = tf.tidy(() => {
    const p = promptToTensor(prompt); // [k, d]
    const pNorm = tf.maximum(tf.norm(p, 'euclidean', 1, true), COSINE_EPS); // [k, 1]
    const cos = tf.mul(tf.matMul(tf.div(p, pNorm), shared, false, true), tf.tensor2d(inverse, [1, vocab])); // [k, V]
    return tf.topk(cos, kTop, true); // [k, K] each
  });
  const ids = indices.arraySync() as number[][];
  const cosines = values.arraySync() as number[][];
  tf.dispose([values, indices]);
  return { ids, cosines }; // [k][K], descending cosine
}

function l2(v: ArrayLike<number>, minus?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] - (minus ? minus[i] : 0);
    s += x * x;
  }
  return Math.sqrt(s);
}

export function promptInsights(prompt: SoftPrompt, shared: tf.Tensor2D, opts: InsightOptions): PromptTokenInsight[] {
  if (opts.initial && (opts.initial.k !== prompt.k || opts.initial.dModel !== prompt.dModel)) {
    throw new Error(`The initial prompt [${opts.initial.k}, ${opts.initial.dModel}] does not match the prompt [${prompt.k}, ${prompt.dModel}].`);
  }
  const { ids: topIds, cosines } = nearestVocabulary(prompt, shared, opts.topK ?? DEFAULT_TOP_K);
  const vocabMeanNorm = vocabNorms(shared).mean;
  const labelIds = new Set(opts.labelTokenIds ?? []);
  return topIds.map((ids, index): PromptTokenInsight => {
    const row = promptRow(prompt, index);
    const nearest: NearestPiece[] = ids.map((id, j) => ({ id, piece: opts.displayPiece(id), cosine: cosines[index][j] }));
    const initPiece = opts.initPieces?.[index];
    return {
      index,
      nearest,
      norm: l2(row),
      vocabMeanNorm,
      ...(initPiece ? { initPiece } : {}),
      drift: opts.initial ? l2(row, promptRow(opts.initial, index)) : 0,
      isLabel: labelIds.has(ids[0]),
    };
  });
}

/** promptInsights for a model and its tokenizer: readable pieces, label rows by the label words' tokens. */
export function insightsFor(
  s: { model: T5Model; tokenizer: T5Tokenizer },
  prompt: SoftPrompt,
  opts: { top: number; labels?: readonly string[]; initPieces?: readonly (string | null)[]; initial?: SoftPrompt },
): PromptTokenInsight[] {
  return promptInsights(prompt, s.model.weights.shared, {
    displayPiece: (id) => s.tokenizer.displayPiece(id),
    topK: opts.top,
    labelTokenIds: (opts.labels ?? []).flatMap((l) => s.tokenizer.encode(l, { addEos: false })),
    initPieces: opts.initPieces,
    initial: opts.initial,
  });
}
