// The three operations `npm run bench` measures, calling the engine as the product does: a training
// step as src/core/training/trainer.ts takes it (micro-batches planned for the backend, dropout,
// the gradient, then the paper's Adafactor), rank scoring and greedy generation as
// training/evaluate.ts runs them. Only these functions are timed (scripts/bench/row.ts). When the
// engine's API changes, this file is the one to update.
import * as tf from '../../src/core/tf';
import type { T5Model } from '../../src/core';
import { createOptimizer, type PromptOptimizer } from '../../src/core/training/optim';
import { batchGradient, planMicroBatch } from '../../src/core/training/micro-batch';
import { MaskArena } from '../../src/core/tensor/dropout';

/** One padded batch, as padBatch() gives it: [B, L] ids and mask, [B, T] labels. */
export interface Batch {
  inputIds: number[][];
  attentionMask: number[][];
  labels: number[][];
}

/** What a training run keeps between steps: the prompt [k, d_model] (row-major), its optimiser, the step. */
export interface TrainState {
  prompt: Float32Array;
  k: number;
  optimizer: PromptOptimizer;
  step: number;
  /** The trainer's default: the checkpoint's dropout_rate. */
  dropoutRate: number;
  /** Rows per forward/backward pass, planned for the backend as the trainer plans it. */
  microBatch: number;
  arena: MaskArena;
}

export function startTraining(model: T5Model, backend: string, prompt: Float32Array, k: number, batch: Batch): TrainState {
  const d = model.config.d_model;
  const plan = planMicroBatch(model.config, backend, batch.inputIds.length, { promptLength: k, inputLength: batch.inputIds[0].length, targetLength: batch.labels[0].length });
  return { prompt, k, optimizer: createOptimizer('adafactor', [k, d]), step: 0, dropoutRate: model.config.dropout_rate, microBatch: plan.size, arena: new MaskArena() };
}

/** One prompt-tuning step: loss and d loss / d prompt with dropout on, then the paper's Adafactor. Returns the loss. */
export function trainStep(model: T5Model, s: TrainState, batch: Batch): number {
  const seed = ++s.step * 1009; // masks depend only on the step, as the trainer's
  const rows = batch.inputIds.map((inputIds, i) => ({ inputIds, targetIds: batch.labels[i], target: '' }));
  const p = tf.tensor2d(s.prompt, [s.k, model.config.d_model]);
  let r: { loss: number; grad: Float32Array };
  try {
    r = batchGradient(model, rows, p, { microBatch: s.microBatch, padId: model.config.pad_token_id, dropout: { rate: s.dropoutRate, seed }, arena: s.arena });
  } finally {
    p.dispose();
  }
  s.optimizer.step(s.prompt, r.grad);
  return r.loss;
}

/** Rank classification: each row's summed log-probability of every candidate target, [B][C]. */
export function score(model: T5Model, prompt: tf.Tensor2D, batch: Batch, candidates: number[][]): number[][] {
  return model.score({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, prompt, candidates });
}

/** Greedy decoding of up to `maxNewTokens` tokens; rows start with the decoder start token. */
export function generate(model: T5Model, prompt: tf.Tensor2D, batch: Batch, maxNewTokens: number): number[][] {
  return model.generate({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, prompt, maxNewTokens }).sequences;
}
