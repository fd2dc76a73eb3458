// A short training run as the trainer takes its steps (micro-batches, seeded dropout, reused mask
// memory, the paper's Adafactor), on whatever backend is selected: what test/golden/
// training-vs-wasm.test.ts compares across backends. Self-contained: a seeded random T5 with a small
// vocabulary and made-up rows, so it needs no fixture. Run as a script (tsx), it prints the result
// as one JSON line on the backend PROMPT_TUNER_BACKEND names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { writeRandomT5 } from '../../src/core/t5/random-model';
import { batchGradient } from '../../src/core/training/micro-batch';
import { createOptimizer } from '../../src/core/training/optim';
import { MaskArena } from '../../src/core/tensor/dropout';
import { Rng } from '../../src/core/rng';

export const TRAINING_RUN = { steps: 30, batch: 8, microBatch: 4, promptLength: 8, vocab: 512, dropout: 0.1 };

export interface TrainingRunResult {
  backend: string;
  /** Mean token loss of each step's batch, before the step's update. */
  losses: number[];
  /** The loss of the first batch with the final prompt (no dropout). */
  finalLoss: number;
}

/** Rows of 4-12 tokens; the target is token 5 or 6 by the parity of the first token (then eos). */
function rows(count: number, seed: number): { inputIds: number[]; targetIds: number[]; target: string }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const n = 4 + rng.int(9);
    const inputIds = Array.from({ length: n }, () => 3 + rng.int(TRAINING_RUN.vocab - 3));
    inputIds.push(1);
    return { inputIds, targetIds: [inputIds[0] % 2 === 1 ? 5 : 6, 1], target: '' };
  });
}

export async function trainingRun(): Promise<TrainingRunResult> {
  const backend = await selectBackend();
  const dir = mkdtempSync(join(tmpdir(), 'pt-training-run-'));
  try {
    writeRandomT5(dir, { seed: 7, config: { vocab_size: TRAINING_RUN.vocab, d_model: 64, d_kv: 16, num_heads: 4, d_ff: 128 } });
    const model = await loadT5(dir);
    const { steps, batch, microBatch, promptLength: k, dropout } = TRAINING_RUN;
    const data = rows(steps * batch, 11);
    const d = model.config.d_model;
    const rng = new Rng(3);
    const prompt = Float32Array.from({ length: k * d }, () => rng.uniform(-0.5, 0.5));
    const optimizer = createOptimizer('adafactor', [k, d]);
    const arena = new MaskArena();
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const p = tf.tensor2d(prompt, [k, d]);
      const { loss, grad } = batchGradient(model, data.slice(step * batch, (step + 1) * batch), p, { microBatch, padId: 0, dropout: { rate: dropout, seed: step }, arena });
      p.dispose();
      losses.push(loss);
      optimizer.step(prompt, grad);
    }
    const p = tf.tensor2d(prompt, [k, d]);
    const finalLoss = batchGradient(model, data.slice(0, batch), p, { microBatch: batch, padId: 0 }).loss;
    p.dispose();
    model.dispose();
    return { backend: backend.name, losses, finalLoss };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && /training-run\.ts$/.test(process.argv[1])) {
  trainingRun().then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
