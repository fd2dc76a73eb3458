// A training step in micro-batches. Only the prompt is trained, so a batch's gradient is the sum of
// its micro-batches' gradients of their summed token losses, divided by the batch's label-token
// count: splitting changes nothing but float rounding. Each row keeps its dropout masks (they are
// keyed by the row's index in the batch) and the optimiser sees one gradient per step, so a run
// trains the same whatever its micro-batch size. The size is planned from a memory estimate.
import { freemem } from 'node:os';
import * as tf from '../tf';
import type { T5Model } from '../t5/model';
import type { T5Config } from '../t5/config';
import { trainingBytesPerExample, weightBytes, type StepShape } from '../t5/memory';
import { dropoutStream, MaskArena } from '../tensor/dropout';
import { padBatch, type EncodedExample } from './encode';

/** tfjs-backend-wasm's heap is 32-bit: 4 GiB at most, less what the runtime itself holds. */
const WASM_HEAP_BYTES = 4 * 2 ** 30 - 2 ** 28;
/** Share of the machine's available memory a native-backend step may plan to use. */
const NATIVE_SHARE = 0.7;

export class FitError extends Error {}

export interface MicroBatchPlan {
  size: number;
  /** Estimated peak bytes of a step at that size, and the budget it was planned against. */
  stepBytes: number;
  budgetBytes: number;
  /** Why the batch is split, for the log (undefined when it is not). */
  reason?: string;
}

/**
 * Memory a step may use on `backend`, what it holds whatever the batch, and how much more than the
 * estimate an example takes there (bytes).
 */
function budget(cfg: T5Config, backend: string): { total: number; fixed: number; perExampleFactor: number; where: string } {
  // XNNPACK keeps a packed copy of every weight it multiplies, so on wasm the weights count twice
  // once a step has run; its batched products go through per-head slices (a fifth more, measured).
  if (backend === 'wasm') return { total: WASM_HEAP_BYTES, fixed: 2 * weightBytes(cfg), perExampleFactor: 1.2, where: 'the wasm backend\'s 4 GiB heap' };
  // The weights are loaded already: what is free now is what a step can have.
  return { total: NATIVE_SHARE * freemem(), fixed: 0, perExampleFactor: 1, where: `${Math.round(NATIVE_SHARE * 100)}% of this machine's available memory` };
}

/** Bytes one example adds to a step on `backend`. */
export function stepBytesPerExample(cfg: T5Config, backend: string, shape: StepShape): number {
  return Math.ceil(budget(cfg, backend).perExampleFactor * trainingBytesPerExample(cfg, shape));
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * The largest micro-batch (at most `batchSize`) whose step fits the backend's memory; `requested`
 * (a user's setting) wins. Throws FitError, with the largest settings that would fit, when not
 * even one example does.
 */
export function planMicroBatch(cfg: T5Config, backend: string, batchSize: number, shape: StepShape, requested?: number): MicroBatchPlan {
  const perExample = stepBytesPerExample(cfg, backend, shape);
  const { total, fixed, where } = budget(cfg, backend);
  if (requested !== undefined) {
    const size = Math.min(requested, batchSize);
    return { size, stepBytes: fixed + size * perExample, budgetBytes: total, reason: size < batchSize ? `micro-batch ${size} as set` : undefined };
  }
  const fits = Math.floor((total - fixed) / perExample);
  if (fits < 1) throw new FitError(cannotFit(cfg, backend, shape, fixed + perExample, total, where));
  const size = Math.min(batchSize, fits);
  const stepBytes = fixed + size * perExample;
  const reason = size < batchSize ? `a step of ${batchSize} examples needs ~${gib(fixed + batchSize * perExample)}, more than ${where} (${gib(total)})` : undefined;
  return { size, stepBytes, budgetBytes: total, reason };
}

function cannotFit(cfg: T5Config, backend: string, shape: StepShape, need: number, total: number, where: string): string {
  const { fixed } = budget(cfg, backend);
  if (fixed >= total) {
    return `This model's weights alone take ~${gib(fixed)} on the ${backend} backend (XNNPACK keeps a packed copy of each), more than ${where} (${gib(total)}). Use the native backend (Prompt Tuning: Set Up Native Backend, or prompt-tune backend install), which is not limited to 4 GiB, or a smaller model.`;
  }
  const fitsWith = (s: StepShape) => budget(cfg, backend).fixed + stepBytesPerExample(cfg, backend, s) <= total;
  const largest = (key: 'inputLength' | 'promptLength') => {
    let lo = 0;
    let hi = shape[key];
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fitsWith({ ...shape, [key]: mid })) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const advice = [
    largest('inputLength') >= 8 ? `inputs of at most ${largest('inputLength')} tokens (--max-input-length ${largest('inputLength') + shape.promptLength})` : undefined,
    largest('promptLength') >= 1 ? `a prompt of at most ${largest('promptLength')} tokens` : undefined,
    backend === 'wasm' ? 'the native backend (Prompt Tuning: Set Up Native Backend, or prompt-tune backend install), which is not limited to 4 GiB' : 'a smaller model, or closing other programs',
  ].filter(Boolean);
  return `Training one example with a ${shape.promptLength}-token prompt and inputs of ${shape.inputLength} tokens needs ~${gib(need)}, more than ${where} (${gib(total)}). What fits: ${advice.join('; or ')}.`;
}

export interface StepOptions {
  microBatch: number;
  padId: number;
  dropout?: { rate: number; seed: number };
  /** Reused mask memory (see MaskArena); one per training loop. */
  arena?: MaskArena;
}

/** Mean token loss of a batch and its gradient with respect to the prompt [k, d_model]. */
export function batchGradient(model: T5Model, rows: readonly EncodedExample[], prompt: tf.Tensor2D, o: StepOptions): { loss: number; grad: Float32Array } {
  const labelTokens = rows.reduce((n, r) => n + r.targetIds.length, 0);
  const grad = new Float32Array(prompt.size);
  let loss = 0;
  for (let start = 0; start < rows.length; start += o.microBatch) {
    const part = padBatch(rows.slice(start, start + o.microBatch), o.padId);
    o.arena?.reset(); // the previous micro-batch's tensors are gone: its masks' memory is free
    const dropout = o.dropout && o.dropout.rate > 0 ? dropoutStream(o.dropout.rate, o.dropout.seed, start, o.arena) : undefined;
    const r = model.promptGradient({ ...part, prompt }, { dropout, normalizer: labelTokens });
    const g = r.grad.dataSync();
    r.grad.dispose();
    for (let i = 0; i < g.length; i++) grad[i] += g[i];
    loss += r.loss;
  }
  return { loss, grad };
}
