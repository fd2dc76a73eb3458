// Training must not leak: 50 forward+backward steps on a golden model leave the tensor count flat.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { dropoutStream } from '../../src/core/tensor/dropout';
import { SKIP_NO_SHARED } from '../support/shared';
import { goldenDirs, readJson, rows, type FixtureTensor } from '../support/golden';

before(async () => {
  await selectBackend();
});

test('50 prompt-gradient steps and generations do not grow tf.memory().numTensors', { skip: SKIP_NO_SHARED }, async () => {
  const dir = goldenDirs()[0];
  const c = readJson<{ prompt_tuning: { soft_prompt: FixtureTensor; input_ids: FixtureTensor; attention_mask: FixtureTensor; labels: FixtureTensor } }>(join(dir, 'cases.json')).prompt_tuning;
  const model = await loadT5(dir);
  const k = c.soft_prompt.shape[0];
  let prompt = tf.tensor2d(rows(c.soft_prompt));
  const input = { inputIds: rows(c.input_ids), attentionMask: rows(c.attention_mask).map((r) => r.slice(k)), labels: rows(c.labels) };
  const step = () => {
    const { grad } = model.promptGradient({ ...input, prompt }, { dropout: dropoutStream(0.1, 7) });
    const next = tf.tidy(() => tf.sub(prompt, tf.mul(grad, 0.1)) as tf.Tensor2D);
    tf.dispose([grad, prompt]);
    prompt = next;
  };
  step(); // first call may create lazily cached backend state
  const before = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) step();
  model.generate({ inputIds: input.inputIds, attentionMask: input.attentionMask, prompt, maxNewTokens: 4, numBeams: 2 });
  model.score({ inputIds: input.inputIds, attentionMask: input.attentionMask, prompt, candidates: [[5, 1], [6, 7, 1]] });
  const after = tf.memory().numTensors;
  assert.equal(after, before, `tensor count went from ${before} to ${after}`);
  prompt.dispose();
  model.dispose();
});
