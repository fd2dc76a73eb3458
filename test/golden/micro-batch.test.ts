// A step split into micro-batches computes the gradient of the unsplit batch: same loss, same
// prompt gradient, with dropout on — masks follow each row, whatever its micro-batch or padding.
// Checked on both fixture layouts and the backend PROMPT_TUNER_BACKEND picks. The plain-JS cpu
// backend sums in the same order whatever the shapes, so there the split is exact to 1e-6; oneDNN
// (tensorflow) and XNNPACK (wasm) block their products by shape, which moves float32 rounding: the
// same unsplit batch differs by ~7e-6 between those backends and cpu, so 1e-5 is their bound
// (a mask or normalisation error shows up as 1e-1).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { batchGradient } from '../../src/core/training/micro-batch';
import { MaskArena } from '../../src/core/tensor/dropout';
import { Rng } from '../../src/core/rng';
import { forEachGoldenDir, maxAbsDiff, relDiff } from '../support/golden';

let backend = '';
before(async () => {
  backend = (await selectBackend()).name;
});

forEachGoldenDir((dir) => {
  test(`${basename(dir)}: micro-batches of 1, 2 and 4 give the gradient of the whole batch of 6`, async () => {
    const model = await loadT5(dir);
    const rng = new Rng(7);
    const ids = (n: number) => [...Array.from({ length: n - 1 }, () => 3 + Math.floor(rng.next() * 300)), 1];
    // Rows of different lengths, so each micro-batch pads differently from the whole batch.
    const rows = [9, 17, 4, 12, 21, 6].map((n, i) => ({ inputIds: ids(n), targetIds: ids(2 + (i % 3) * 3), target: '' }));
    const prompt = tf.tensor2d(Array.from({ length: 5 }, () => Array.from({ length: model.config.d_model }, () => rng.next() - 0.5)));
    const step = (microBatch: number) => batchGradient(model, rows, prompt, { microBatch, padId: 0, dropout: { rate: 0.2, seed: 99 }, arena: new MaskArena() });
    const whole = step(6);
    const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
    for (const m of [1, 2, 4]) {
      const split = step(m);
      // Relative error of the gradient vector, ||split - whole|| / ||whole||; the largest element error for the log.
      const gradErr = norm(split.grad.map((g, i) => g - whole.grad[i])) / norm(whole.grad);
      console.log(`[${backend}] ${basename(dir)} micro-batch ${m}: loss rel ${relDiff(split.loss, whole.loss).toExponential(2)}, grad rel ${gradErr.toExponential(2)}, max abs ${maxAbsDiff(split.grad, whole.grad).toExponential(2)}`);
      assert.ok(relDiff(split.loss, whole.loss) <= 1e-6, `loss ${split.loss} vs ${whole.loss}`);
      assert.ok(gradErr <= (backend === 'cpu' ? 1e-6 : 1e-5), `micro-batch ${m}: gradient off by ${gradErr} relative`);
    }
    const noDropout = batchGradient(model, rows, prompt, { microBatch: 6, padId: 0 });
    assert.ok(Math.abs(noDropout.loss - whole.loss) > 1e-4, 'dropout should change the loss');
    prompt.dispose();
    model.dispose();
  });
});
