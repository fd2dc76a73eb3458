// Training must not leak: 200 training steps as the trainer takes them (micro-batches, dropout,
// reused mask memory), then generation and scoring, leave tf.memory().numTensors where it was. On
// webgpu also the GPU buffers: those in use and those allocated stay flat, and a step uploads only
// its own inputs, never the frozen weights again.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { batchGradient } from '../../src/core/training/micro-batch';
import { MaskArena } from '../../src/core/tensor/dropout';
import { SKIP_NO_SHARED } from '../support/shared';
import { goldenDirs, readJson, rows, type FixtureTensor } from '../support/golden';
import { webgpuStats } from '../../src/core/webgpu/backend';
import { weightBytes } from '../../src/core/t5/memory';

before(async () => {
  await selectBackend();
});

const [dir] = goldenDirs();

test('200 training steps, generations and scoring do not grow tf.memory().numTensors', { skip: !dir && (SKIP_NO_SHARED || 'no golden fixtures') }, async () => {
  const c = readJson<{ prompt_tuning: { soft_prompt: FixtureTensor; input_ids: FixtureTensor; attention_mask: FixtureTensor; labels: FixtureTensor } }>(join(dir, 'cases.json')).prompt_tuning;
  const model = await loadT5(dir);
  const k = c.soft_prompt.shape[0];
  const prompt = Float32Array.from(rows(c.soft_prompt).flat());
  const masks = rows(c.attention_mask).map((r) => r.slice(k));
  const examples = rows(c.input_ids).map((ids, i) => ({
    inputIds: ids.slice(0, masks[i].filter(Boolean).length),
    targetIds: rows(c.labels)[i].filter((id) => id !== -100),
    target: '',
  }));
  const arena = new MaskArena();
  const step = (n: number, rate = 0.1) => {
    const p = tf.tensor2d(prompt, [k, model.config.d_model]);
    const { grad } = batchGradient(model, examples, p, { microBatch: 1 + (n % 2), padId: 0, dropout: { rate, seed: n }, arena });
    p.dispose();
    for (let i = 0; i < grad.length; i++) prompt[i] -= 0.1 * grad[i];
  };
  step(0); // first call may create lazily cached backend state
  step(1); // (webgpu: and its pool of buffers for both micro-batch sizes)
  const before = tf.memory().numTensors;
  const gpuBefore = webgpuStats();
  for (let i = 2; i <= 201; i++) step(i);
  const gpuAfter = webgpuStats();
  if (gpuBefore && gpuAfter) {
    assert.equal(gpuAfter.bytesInUse, gpuBefore.bytesInUse, `GPU bytes in use went from ${gpuBefore.bytesInUse} to ${gpuAfter.bytesInUse}`);
    assert.equal(gpuAfter.bytesAllocated, gpuBefore.bytesAllocated, `GPU bytes allocated went from ${gpuBefore.bytesAllocated} to ${gpuAfter.bytesAllocated}`);
    // Without dropout a step uploads the prompt, ids, attention masks and position buckets: a
    // fraction of the weights, which were uploaded once.
    const uploaded = gpuAfter.uploadedBytes;
    step(202, 0);
    const perStep = webgpuStats()!.uploadedBytes - uploaded;
    console.log(`[webgpu] GPU bytes in use ${gpuAfter.bytesInUse}, allocated ${gpuAfter.bytesAllocated} (flat over 200 steps); a step without dropout uploads ${perStep} B, the weights are ${weightBytes(model.config)} B`);
    assert.ok(perStep < weightBytes(model.config) / 4, `a step uploaded ${perStep} B: the weights (${weightBytes(model.config)} B) again?`);
  }
  const p = tf.tensor2d(prompt, [k, model.config.d_model]);
  model.generate({ inputIds: rows(c.input_ids), attentionMask: masks, prompt: p, maxNewTokens: 4, numBeams: 2 });
  model.score({ inputIds: rows(c.input_ids), attentionMask: masks, prompt: p, candidates: [[5, 1], [6, 7, 1]] });
  p.dispose();
  const after = tf.memory().numTensors;
  assert.equal(after, before, `tensor count went from ${before} to ${after}`);
  model.dispose();
});
