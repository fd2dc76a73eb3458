// The memory model that plans micro-batches (t5/memory.ts, training/micro-batch.ts) against what a
// training step really allocates, on the backend PROMPT_TUNER_BACKEND picks: per example, the
// estimate must cover the measured peak of TF.js' tensors (an estimate below it risks running out
// of memory) without wasting more than 2x. Measured on a d_model-128 T5 with T5's vocabulary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5, type BackendInfo } from '../../src/core';
import { DEMO_T5_CONFIG, writeRandomT5 } from '../../src/core/t5/random-model';
import { batchGradient, stepBytesPerExample } from '../../src/core/training/micro-batch';
import { MaskArena } from '../../src/core/tensor/dropout';

let backend: BackendInfo;
const dir = mkdtempSync(join(tmpdir(), 'pt-memory-'));
before(async () => {
  backend = await selectBackend();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the per-example memory estimate covers a training step\'s measured peak, within 2x', async () => {
  writeRandomT5(dir, { seed: 0, config: { ...DEMO_T5_CONFIG, dropout_rate: 0.1 } });
  const model = await loadT5(dir);
  const shape = { promptLength: 20, inputLength: 60, targetLength: 5 };
  const peak = async (rowsInBatch: number) => {
    const rows = Array.from({ length: rowsInBatch }, () => ({ inputIds: Array.from({ length: shape.inputLength }, (_, i) => 3 + i), targetIds: Array.from({ length: shape.targetLength }, (_, i) => 5 + i), target: '' }));
    const prompt = tf.tensor2d(new Float32Array(shape.promptLength * model.config.d_model).fill(0.1), [shape.promptLength, model.config.d_model]);
    const base = tf.memory().numBytes;
    const info = await tf.profile(() => {
      batchGradient(model, rows, prompt, { microBatch: rowsInBatch, padId: 0, dropout: { rate: 0.1, seed: 1 }, arena: new MaskArena() });
    });
    prompt.dispose();
    return info.peakBytes - base;
  };
  await peak(1); // lazily made backend state (packed weights, kernels) is not an example's
  const measured = ((await peak(6)) - (await peak(2))) / 4;
  const estimate = stepBytesPerExample(model.config, backend.name, shape);
  console.log(`[${backend.name}] per example: measured ${(measured / 2 ** 20).toFixed(2)} MiB, estimated ${(estimate / 2 ** 20).toFixed(2)} MiB`);
  assert.ok(estimate >= measured, `the estimate (${estimate} B) is below the measured ${measured} B per example`);
  assert.ok(estimate <= 2 * measured, `the estimate (${estimate} B) is over twice the measured ${measured} B per example`);
  model.dispose();
});
