// Decoding with a key/value cache: the encoder runs once, cross-attention keys/values are computed
// once per layer, self-attention keys/values grow by one position per step. Greedy and beam search
// follow transformers' generate() (4.57): output rows start with decoder_start_token_id.
import * as tf from '../tf';
import type { CrossCache, EncoderInput, T5Model } from './model';
import type { KeyValue } from './layers';
import { logSoftmax } from '../tensor/native';

export interface GenerateOptions extends EncoderInput {
  maxNewTokens: number;
  numBeams?: number; // 1 = greedy
  lengthPenalty?: number; // beam scores are divided by length ** lengthPenalty
  earlyStopping?: boolean; // stop a row's beam search once numBeams hypotheses are finished
  numReturnSequences?: number; // beams returned per row (<= numBeams)
}

export interface GenerateResult {
  sequences: number[][]; // [B * numReturnSequences, 1 + generated]
  scores?: number[]; // beam search: length-normalised log-probabilities, one per sequence
}

/**
 * Decoder state for a growing batch of hypotheses, `cross.group` per input row. Beams only move
 * within their input row, so the cross-attention cache (one per input row) never moves.
 */
class DecoderCache {
  self: KeyValue[] = [];
  constructor(public cross: CrossCache) {}

  /** Keeps hypotheses `index` (beam reordering); frees the old tensors. */
  select(index: number[]): void {
    const ids = tf.tensor1d(index, 'int32');
    const old = this.self;
    this.self = old.map((kv) => ({ k: tf.gather(kv.k, ids), v: tf.gather(kv.v, ids) }));
    tf.dispose([...old.flatMap((kv) => [kv.k, kv.v]), ids]);
  }

  dispose(): void {
    tf.dispose([...this.self.flatMap((kv) => [kv.k, kv.v]), ...this.cross.kv.flatMap((kv) => [kv.k, kv.v]), this.cross.bias]);
  }
}

function startCache(model: T5Model, input: EncoderInput, beams: number): DecoderCache {
  let cross: CrossCache | undefined;
  tf.tidy(() => {
    cross = model.crossCache(model.encode(input), beams);
    tf.keep(cross.bias);
    cross.kv.forEach((x) => tf.keep(x.k) && tf.keep(x.v));
  });
  return new DecoderCache(cross!);
}

/** Runs the decoder on the last token of each hypothesis; returns its logits [N, vocab] (the caller disposes them). */
function step(model: T5Model, cache: DecoderCache, tokens: number[], position: number): tf.Tensor2D {
  const cfg = model.config;
  let logits: tf.Tensor2D | undefined;
  const grown: KeyValue[] = [];
  tf.tidy(() => {
    const ids = tf.tensor1d(tokens, 'int32');
    let h = model.embedTokens(ids).reshape([tokens.length, 1, cfg.d_model]) as tf.Tensor3D;
    // Query at `position` against keys 0..position: no causal mask needed.
    const selfBias = model.stackBias(model.weights.decoder, 1, position + 1, false, position);
    model.weights.decoder.blocks.forEach((block, i) => {
      const extendKv = (now: KeyValue): KeyValue => {
        const past = cache.self[i];
        const kv = past ? { k: tf.concat([past.k, now.k], 2) as tf.Tensor4D, v: tf.concat([past.v, now.v], 2) as tf.Tensor4D } : now;
        grown.push({ k: tf.keep(kv.k), v: tf.keep(kv.v) });
        return kv;
      };
      h = model.decoderBlock(h, block, selfBias, { kv: cache.cross.kv[i], group: cache.cross.group }, cache.cross.bias, extendKv);
    });
    logits = tf.keep(model.logits(h).reshape([tokens.length, cfg.vocab_size]) as tf.Tensor2D);
  });
  tf.dispose(cache.self.flatMap((kv) => [kv.k, kv.v]));
  cache.self = grown;
  return logits!;
}

/** Reads `f(logits)` back (their argmax, their log-probabilities) and frees the logits. */
function readStep(logits: tf.Tensor2D, f: (x: tf.Tensor2D) => tf.Tensor): ArrayLike<number> {
  const out = tf.tidy(() => f(logits));
  const values = out.dataSync() as Float32Array | Int32Array;
  tf.dispose([out, logits]);
  return values;
}

export function generate(model: T5Model, opts: GenerateOptions): GenerateResult {
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 1) throw new Error('maxNewTokens must be a positive integer.');
  const beams = opts.numBeams ?? 1;
  return beams > 1 ? beamSearch(model, opts, beams) : greedy(model, opts);
}

function greedy(model: T5Model, opts: GenerateOptions): GenerateResult {
  const { decoder_start_token_id: start, eos_token_id: eos, pad_token_id: pad } = model.config;
  const b = opts.inputIds.length;
  const cache = startCache(model, opts, 1);
  const sequences = Array.from({ length: b }, () => [start]);
  const done = new Array<boolean>(b).fill(false);
  try {
    for (let t = 0; t < opts.maxNewTokens && !done.every(Boolean); t++) {
      // The argmax of the logits, as transformers' greedy search takes it (no log-softmax needed).
      const next = readStep(step(model, cache, sequences.map((s) => s[s.length - 1]), t), (logits) => tf.argMax(logits, -1));
      for (let r = 0; r < b; r++) {
        if (done[r]) {
          sequences[r].push(pad);
          continue;
        }
        const best = next[r];
        sequences[r].push(best);
        if (best === eos) done[r] = true;
      }
    }
  } finally {
    cache.dispose();
  }
  return { sequences };
}

interface Hypothesis {
  tokens: number[]; // generated tokens (after the start token)
  score: number;
}

/**
 * transformers' vectorised beam search: per step keep the top 2*numBeams continuations; those that end
 * (eos or the length limit) and rank among the first numBeams become finished candidates scored
 * sum(log p) / length ** lengthPenalty; the best numBeams unfinished ones continue.
 */
function beamSearch(model: T5Model, opts: GenerateOptions, numBeams: number): GenerateResult {
  const { decoder_start_token_id: start, eos_token_id: eos, pad_token_id: pad, vocab_size: vocab } = model.config;
  const lp = opts.lengthPenalty ?? 1;
  const early = opts.earlyStopping ?? false;
  const nReturn = opts.numReturnSequences ?? 1;
  if (nReturn > numBeams) throw new Error(`numReturnSequences (${nReturn}) cannot exceed numBeams (${numBeams}).`);
  const b = opts.inputIds.length;
  const keep = 2 * numBeams;
  const f = Math.fround;
  const running: Hypothesis[][] = Array.from({ length: b }, () =>
    Array.from({ length: numBeams }, (_, j) => ({ tokens: [], score: j === 0 ? 0 : -1e9 })),
  );
  const finished: Hypothesis[][] = Array.from({ length: b }, () => []);
  const open = new Array<boolean>(b).fill(true); // transformers' is_early_stop_heuristic_unsatisfied
  const cache = startCache(model, opts, numBeams);
  try {
    for (let t = 0; t < opts.maxNewTokens; t++) {
      const logp = readStep(step(model, cache, running.flatMap((row) => row.map((h) => h.tokens[h.tokens.length - 1] ?? start)), t), logSoftmax);
      const lastStep = t + 1 >= opts.maxNewTokens;
      const reorder: number[] = [];
      let anyContinues = false;
      for (let r = 0; r < b; r++) {
        // Top `keep` of (beam, token) by accumulated log-probability.
        const cands: { beam: number; token: number; score: number }[] = [];
        for (let j = 0; j < numBeams; j++) {
          const base = (r * numBeams + j) * vocab;
          const acc = running[r][j].score;
          for (let v = 0; v < vocab; v++) {
            const score = f(logp[base + v] + acc);
            if (cands.length < keep || score > cands[cands.length - 1].score) {
              cands.push({ beam: j, token: v, score });
              cands.sort((x, y) => y.score - x.score);
              if (cands.length > keep) cands.pop();
            }
          }
        }
        const ends = cands.map((c) => c.token === eos || lastStep);
        if (ends.some((e) => !e)) anyContinues = true;
        // Finished candidates: only among the first numBeams, only while improvement is possible.
        const length = t + 1;
        const allDone = finished[r].length >= numBeams;
        cands.forEach((c, i) => {
          if (!ends[i] || i >= numBeams || !open[r] || (early && allDone)) return;
          finished[r].push({ tokens: [...running[r][c.beam].tokens, c.token], score: f(c.score / f(length ** lp)) });
        });
        finished[r].sort((x, y) => y.score - x.score);
        finished[r].length = Math.min(finished[r].length, numBeams);
        // Running beams: best numBeams continuations that did not end (ended ones sink to -1e9).
        const next = cands
          .map((c, i) => ({ c, score: ends[i] ? f(c.score - 1e9) : c.score }))
          .sort((x, y) => y.score - x.score)
          .slice(0, numBeams);
        running[r] = next.map(({ c, score }) => ({ tokens: [...running[r][c.beam].tokens, c.token], score }));
        next.forEach(({ c }) => reorder.push(r * numBeams + c.beam));
        // Early-stop heuristic (early_stopping=false): can the best running beam still beat the worst finished?
        const best = running[r][0].score / (length ** lp);
        const full = finished[r].length >= numBeams;
        const worst = full ? finished[r][finished[r].length - 1].score : -1e9;
        open[r] = open[r] && (!full || best > worst);
      }
      if (!open.some(Boolean) || !anyContinues || (early && finished.every((fs) => fs.length >= numBeams))) break;
      cache.select(reorder);
    }
  } finally {
    cache.dispose();
  }
  // Rows padded to the longest returned hypothesis with transformers' fill value (pad or, when pad is 0, eos).
  const fill = pad || eos;
  const picked = finished.flatMap((fs) => fs.slice(0, nReturn));
  const longest = Math.max(...picked.map((h) => h.tokens.length));
  return {
    sequences: picked.map((h) => [start, ...h.tokens, ...Array(longest - h.tokens.length).fill(fill)]),
    scores: picked.map((h) => h.score),
  };
}
