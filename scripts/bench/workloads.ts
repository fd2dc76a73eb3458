// The three operations `npm run bench` measures, calling the engine as the product does: a training
// step as src/core/training/trainer.ts takes it (model.promptGradient on the whole batch, then
// Adafactor; the trainer now goes through micro-batch.ts's batchGradient, which is this when the
// batch fits in one micro-batch), rank scoring and greedy generation as training/evaluate.ts runs
// them. Only these functions are timed (scripts/bench/row.ts). When the engine's API changes, this
// file is the one to update.
import * as tf from '../../src/core/tf';
import type { T5Model } from '../../src/core';
import { createOptimizer, type PromptOptimizer } from '../../src/core/training/optim';
import { dropoutStream } from '../../src/core/tensor/dropout';

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
}

export function startTraining(model: T5Model, prompt: Float32Array, k: number): TrainState {
  const d = model.config.d_model;
  return { prompt, k, optimizer: createOptimizer('adafactor', [k, d]), step: 0, dropoutRate: model.config.dropout_rate };
}

/** One prompt-tuning step: loss and d loss / d prompt with dropout on, then the paper's Adafactor. Returns the loss. */
export function trainStep(model: T5Model, s: TrainState, batch: Batch): number {
  const seed = ++s.step * 1009; // masks depend only on the step, as the trainer's
  const dropout = s.dropoutRate > 0 ? dropoutStream(s.dropoutRate, seed) : undefined;
  const p = tf.tensor2d(s.prompt, [s.k, model.config.d_model]);
  let loss: number;
  let grad: Float32Array;
  try {
    const r = model.promptGradient({ ...batch, prompt: p }, { dropout });
    loss = r.loss;
    grad = r.grad.dataSync() as Float32Array;
    r.grad.dispose();
  } finally {
    p.dispose();
  }
  s.optimizer.step(s.prompt, grad);
  return loss;
}

/** Rank classification: each row's summed log-probability of every candidate target, [B][C]. */
export function score(model: T5Model, prompt: tf.Tensor2D, batch: Batch, candidates: number[][]): number[][] {
  return model.score({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, prompt, candidates });
}

/** Greedy decoding of up to `maxNewTokens` tokens; rows start with the decoder start token. */
export function generate(model: T5Model, prompt: tf.Tensor2D, batch: Batch, maxNewTokens: number): number[][] {
  return model.generate({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, prompt, maxNewTokens }).sequences;
}
