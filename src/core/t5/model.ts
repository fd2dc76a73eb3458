// T5ForConditionalGeneration in TensorFlow.js: encoder and decoder stacks over frozen weights, with
// an optional soft prompt [k, d_model] in front of the encoder's token embeddings (Lester et al. 2021).
// The weights are plain tensors, never variables: only the prompt is ever differentiated.
import * as tf from '../tf';
import type { T5Config } from './config';
import type { BlockWeights, StackWeights, T5Weights } from './weights';
import { disposeWeights } from './weights';
import { causalBias, crossAttentionCached, crossAttentionLayer, crossKeyValue, feedForwardLayer, paddingBias, rmsNorm, selfAttentionLayer, type KeyValue } from './layers';
import { positionBias } from './relative-position';
import { linear } from '../tensor/products';
import { dropout, type DropoutStream } from '../tensor/dropout';
import { generate, type GenerateOptions, type GenerateResult } from './generate';
import { labelLogProbs, weightedCrossEntropy } from './loss';

/** A soft prompt: [k, d_model] shared by every row, or [B, k, d_model] with one prompt per row. */
export type PromptTensor = tf.Tensor2D | tf.Tensor3D;

export interface EncoderInput {
  inputIds: number[][]; // [B, L] token ids, right-padded
  attentionMask?: number[][]; // [B, L] 1 = token, 0 = padding (without the prompt's positions)
  prompt?: PromptTensor;
}

export interface Seq2SeqInput extends EncoderInput {
  decoderInputIds?: number[][]; // [B, T]; defaults to labels shifted right
  labels?: number[][]; // [B, T]; -100 marks positions left out of the loss
}

export interface TrainOptions {
  /** Dropout while training (T5X and PEFT train with the config's dropout_rate). */
  dropout?: DropoutStream;
}

export interface GradientOptions extends TrainOptions {
  /**
   * The summed token loss is divided by this (default: this input's label count, the mean). A
   * micro-batch passes its whole batch's count, so micro-batch gradients simply add up.
   */
  normalizer?: number;
}

export interface EncoderState {
  hidden: tf.Tensor3D; // [B, k + L, d_model]
  mask: tf.Tensor2D; // [B, k + L]
}

/** How the decoder's cross-attention gets its keys/values: from the encoder states (training, with gradient) or a cache. */
type CrossSource = { enc: tf.Tensor3D } | { kv: KeyValue; group: number };

/** Every decoder layer's cross-attention keys/values, computed once (scoring, generation). */
export interface CrossCache {
  kv: KeyValue[]; // per layer [B, heads, S, d_kv], one per input row
  bias: tf.Tensor4D; // [B, 1, 1, S]
  /** Decoder rows per input row (candidates, beams), consecutive. */
  group: number;
}

export class T5Model {
  constructor(
    readonly config: T5Config,
    readonly weights: T5Weights,
    /** Where the weights came from (folder), for messages and prompt metadata. */
    readonly source: string,
  ) {}

  /** [B, k + L, d_model] input embeddings (prompt first) and their mask [B, k + L]. */
  embed(input: EncoderInput): { embeds: tf.Tensor3D; mask: tf.Tensor2D } {
    const ids = toIdTensor(input.inputIds, 'inputIds');
    const [b, l] = ids.shape;
    const tokenMask = input.attentionMask ? toIdTensor(input.attentionMask, 'attentionMask') : tf.ones([b, l], 'int32');
    if (!tf.util.arraysEqual(tokenMask.shape, ids.shape)) {
      throw new Error(`attentionMask has shape [${tokenMask.shape}] but inputIds has [${ids.shape}].`);
    }
    const tokens = this.embedTokens(ids).reshape([b, l, this.config.d_model]) as tf.Tensor3D;
    const prompt = input.prompt;
    if (!prompt) return { embeds: tokens, mask: tokenMask as tf.Tensor2D };
    const rows = this.promptRows(prompt, b);
    const k = rows.shape[1];
    return {
      embeds: tf.concat([rows, tokens], 1) as tf.Tensor3D,
      mask: tf.concat([tf.ones([b, k], 'int32'), tokenMask], 1) as tf.Tensor2D,
    };
  }

  private promptRows(prompt: PromptTensor, b: number): tf.Tensor3D {
    const d = this.config.d_model;
    if (prompt.shape[prompt.rank - 1] !== d) {
      throw new Error(`The soft prompt has width ${prompt.shape[prompt.rank - 1]} but this model's d_model is ${d}: it was made for another model.`);
    }
    if (prompt.rank === 2) return tf.broadcastTo(prompt.expandDims(0), [b, prompt.shape[0], d]) as tf.Tensor3D;
    if (prompt.shape[0] !== b) throw new Error(`A per-row prompt has ${prompt.shape[0]} rows but the batch has ${b}.`);
    return prompt as tf.Tensor3D;
  }

  /** Encoder stack over prepared embeddings -> hidden states [B, S, d_model]. */
  encodeEmbeds(embeds: tf.Tensor3D, mask: tf.Tensor2D, opts: TrainOptions = {}): tf.Tensor3D {
    const cfg = this.config;
    const s = embeds.shape[1];
    const bias = tf.add(this.stackBias(this.weights.encoder, s, s, true, 0), paddingBias(mask)); // [B, heads, S, S]
    let h = dropout(embeds, opts.dropout);
    for (const block of this.weights.encoder.blocks) {
      h = selfAttentionLayer(h, block.selfAttention, block.selfAttentionNorm, cfg, { bias, dropout: opts.dropout });
      h = feedForwardLayer(h, block.feedForward, block.feedForwardNorm, cfg, opts.dropout);
    }
    return dropout(rmsNorm(h, this.weights.encoder.finalLayerNorm, cfg.layer_norm_epsilon), opts.dropout);
  }

  encode(input: EncoderInput, opts: TrainOptions = {}): EncoderState {
    return tf.tidy(() => {
      const { embeds, mask } = this.embed(input);
      return { hidden: this.encodeEmbeds(embeds, mask, opts), mask };
    });
  }

  /**
   * Decoder over a whole target sequence (teacher forcing) -> logits [B, T, vocab_size], attending
   * to the encoder states (differentiable) or to a cache of their keys/values.
   */
  decode(decoderInputIds: tf.Tensor2D, enc: EncoderState | CrossCache, opts: TrainOptions = {}): tf.Tensor3D {
    const [b, t] = decoderInputIds.shape;
    const selfBias = tf.add(this.stackBias(this.weights.decoder, t, t, false, 0), causalBias(t, t));
    const crossBias = 'kv' in enc ? enc.bias : paddingBias(enc.mask);
    let h = dropout(this.embedTokens(decoderInputIds).reshape([b, t, this.config.d_model]) as tf.Tensor3D, opts.dropout);
    this.weights.decoder.blocks.forEach((block, i) => {
      h = this.decoderBlock(h, block, selfBias, 'kv' in enc ? { kv: enc.kv[i], group: enc.group } : { enc: enc.hidden }, crossBias, undefined, opts.dropout);
    });
    return this.logits(h, opts.dropout);
  }

  /**
   * The cross-attention keys/values of every decoder layer for decoder rows that come in groups of
   * `group` per input row (rank-classification candidates, beams): projected once per input row.
   */
  crossCache(enc: EncoderState, group: number): CrossCache {
    return {
      kv: this.weights.decoder.blocks.map((block) => crossKeyValue(enc.hidden, block.crossAttention!, this.config)),
      bias: paddingBias(enc.mask),
      group,
    };
  }

  /** Token embeddings of ids of any shape -> [ids.size, d_model]. */
  embedTokens(ids: tf.Tensor): tf.Tensor2D {
    return tf.gather(this.weights.shared, ids.reshape([-1])) as tf.Tensor2D;
  }

  /**
   * One decoder block. Teacher forcing attends to the encoder states; generation passes cached
   * cross-attention keys/values and `extendKv`, which joins the cached self-attention keys/values.
   */
  decoderBlock(h: tf.Tensor3D, block: BlockWeights, selfBias: tf.Tensor, cross: CrossSource, crossBias: tf.Tensor, extendKv?: (kv: KeyValue) => KeyValue, d?: DropoutStream): tf.Tensor3D {
    const cfg = this.config;
    h = selfAttentionLayer(h, block.selfAttention, block.selfAttentionNorm, cfg, { bias: selfBias, dropout: d, extendKv });
    h = 'enc' in cross
      ? crossAttentionLayer(h, cross.enc, block.crossAttention!, block.crossAttentionNorm!, cfg, { bias: crossBias, dropout: d })
      : crossAttentionCached(h, cross.kv, block.crossAttention!, block.crossAttentionNorm!, cfg, crossBias, cross.group);
    return feedForwardLayer(h, block.feedForward, block.feedForwardNorm, cfg, d);
  }

  /** Final norm and LM head; tied (v1.0) models rescale by d_model^-0.5 first, as HF does. */
  logits(h: tf.Tensor3D, d?: DropoutStream): tf.Tensor3D {
    const cfg = this.config;
    let out = dropout(rmsNorm(h, this.weights.decoder.finalLayerNorm, cfg.layer_norm_epsilon), d);
    if (cfg.tie_word_embeddings) out = tf.mul(out, cfg.d_model ** -0.5);
    return linear(out, this.weights.lmHead) as tf.Tensor3D; // [B, T, vocab_size]
  }

  stackBias(stack: StackWeights, qLen: number, kLen: number, bidirectional: boolean, queryOffset: number): tf.Tensor4D {
    return positionBias(stack.relativeAttentionBias, qLen, kLen, { bidirectional, maxDistance: this.config.relative_attention_max_distance, queryOffset });
  }

  /** Logits [B, T, vocab] and encoder hidden states [B, k + L, d_model]. The caller disposes both. */
  forward(input: Seq2SeqInput): { logits: tf.Tensor3D; encoderHiddenStates: tf.Tensor3D } {
    return tf.tidy(() => {
      const enc = this.encode(input);
      const logits = this.decode(toIdTensor(this.decoderIds(input), 'decoderInputIds'), enc);
      return { logits, encoderHiddenStates: enc.hidden };
    });
  }

  decoderIds(input: Seq2SeqInput): number[][] {
    if (input.decoderInputIds) return input.decoderInputIds;
    if (!input.labels) throw new Error('Give decoderInputIds or labels.');
    return shiftRight(input.labels, this.config);
  }

  /** Mean cross-entropy over labels != -100 (torch CrossEntropyLoss(ignore_index=-100)). */
  loss(input: Seq2SeqInput, opts: GradientOptions = {}): number {
    return tf.tidy(() => this.lossTensor(input, input.prompt, opts).dataSync()[0]);
  }

  private lossTensor(input: Seq2SeqInput, prompt: PromptTensor | undefined, opts: GradientOptions): tf.Scalar {
    if (!input.labels) throw new Error('loss needs labels.');
    const labels = input.labels.flat();
    const counted = labels.filter((id) => id !== -100).length;
    if (counted === 0) throw new Error('Every label is -100: nothing to compute a loss on.');
    const weight = 1 / (opts.normalizer ?? counted);
    const enc = this.encode({ ...input, prompt }, opts);
    const logits = this.decode(toIdTensor(this.decoderIds(input), 'decoderInputIds'), enc, opts);
    return weightedCrossEntropy(logits.reshape([-1, this.config.vocab_size]) as tf.Tensor2D, labels, labels.map((id) => (id === -100 ? 0 : weight)));
  }

  /** Loss and d loss / d prompt; the weights stay constants. The caller disposes `grad`. */
  promptGradient(input: Seq2SeqInput & { prompt: PromptTensor }, opts: GradientOptions = {}): { loss: number; grad: PromptTensor } {
    const { value, grad } = tf.tidy(() => tf.valueAndGrad((p: tf.Tensor) => this.lossTensor(input, p as PromptTensor, opts))(input.prompt));
    const loss = value.dataSync()[0];
    value.dispose();
    return { loss, grad: grad as PromptTensor };
  }

  /**
   * Rank classification: summed log-probability of each candidate target for each input row, in one
   * batch of B*C rows. Candidates are token ids (eos included). Returns [B][C].
   */
  score(input: EncoderInput & { candidates: number[][] }): number[][] {
    const b = input.inputIds.length;
    const c = input.candidates.length;
    const longest = Math.max(...input.candidates.map((x) => x.length));
    const labels = Array.from({ length: b }, () => input.candidates.map((x) => [...x, ...Array(longest - x.length).fill(-100)])).flat();
    const sums = tf.tidy(() => {
      // The encoder and the cross-attention projections run once per input row, for all C candidates.
      const logits = this.decode(toIdTensor(shiftRight(labels, this.config), 'labels'), this.crossCache(this.encode(input), c));
      return tf.sum(labelLogProbs(logits.reshape([-1, this.config.vocab_size]) as tf.Tensor2D, labels.flat()).reshape([b * c, -1]), 1);
    });
    const flat = Array.from(sums.dataSync());
    sums.dispose();
    return Array.from({ length: b }, (_, r) => flat.slice(r * c, r * c + c));
  }

  /** Greedy or beam-search decoding with a key/value cache (see generate.ts). */
  generate(opts: GenerateOptions): GenerateResult {
    return generate(this, opts);
  }

  dispose(): void {
    disposeWeights(this.weights);
  }
}

/** HF's _shift_right(labels): decoder start token first, last position dropped, -100 -> pad. */
export function shiftRight(labels: number[][], cfg: T5Config): number[][] {
  return labels.map((row) => [cfg.decoder_start_token_id, ...row.slice(0, -1)].map((id) => (id === -100 ? cfg.pad_token_id : id)));
}

export function toIdTensor(rows: number[][], what: string): tf.Tensor2D {
  const width = rows[0]?.length ?? 0;
  if (rows.length === 0 || width === 0) throw new Error(`${what} is empty.`);
  if (rows.some((r) => r.length !== width)) throw new Error(`${what}: rows have different lengths; pad them to one length.`);
  return tf.tensor2d(rows.flat(), [rows.length, width], 'int32');
}
