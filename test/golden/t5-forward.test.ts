// The engine against HF transformers: encoder states, logits, losses, the prompt gradient and the
// relative-position buckets of every golden fixture, on the backend chosen by PROMPT_TUNER_BACKEND.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { bucketTable } from '../../src/core/t5/relative-position';
import { forEachGoldenDir, readJson, flat, rows, maxAbsDiff, relDiff, type FixtureTensor } from '../support/golden';

interface Case {
  input_ids: FixtureTensor;
  attention_mask: FixtureTensor;
  labels: FixtureTensor;
  decoder_input_ids: FixtureTensor;
  soft_prompt?: FixtureTensor;
  prompt_length?: number;
  // The layout (../shared/README.md) promises encoder states for seq2seq only; prompt_tuning may carry them.
  expected: { encoder_last_hidden_state?: FixtureTensor; logits: FixtureTensor; loss: number; grad_soft_prompt?: FixtureTensor };
}

let backend = '';
before(async () => {
  backend = (await selectBackend()).name;
});

forEachGoldenDir((dir) => {
  const name = basename(dir);
  test(`${name}: seq2seq forward matches transformers`, async () => {
    const cases = readJson<{ seq2seq: Case }>(join(dir, 'cases.json'));
    const model = await loadT5(dir);
    const c = cases.seq2seq;
    const input = { inputIds: rows(c.input_ids), attentionMask: rows(c.attention_mask), decoderInputIds: rows(c.decoder_input_ids), labels: rows(c.labels) };
    const { logits, encoderHiddenStates } = model.forward(input);
    const encErr = maxAbsDiff(encoderHiddenStates.dataSync(), flat(c.expected.encoder_last_hidden_state!));
    const logitErr = maxAbsDiff(logits.dataSync(), flat(c.expected.logits));
    tf.dispose([logits, encoderHiddenStates]);
    const lossErr = relDiff(model.loss(input), c.expected.loss);
    console.log(`[${backend}] ${name} seq2seq: encoder ${encErr.toExponential(2)}, logits ${logitErr.toExponential(2)}, loss rel ${lossErr.toExponential(2)}`);
    assert.ok(encErr <= 1e-4, `encoder states off by ${encErr}`);
    assert.ok(logitErr <= 1e-4, `logits off by ${logitErr}`);
    assert.ok(lossErr <= 1e-5, `loss off by ${lossErr} (relative)`);
    model.dispose();
  });

  test(`${name}: soft prompt forward and gradient match transformers`, async () => {
    const cases = readJson<{ prompt_tuning: Case }>(join(dir, 'cases.json'));
    const model = await loadT5(dir);
    const c = cases.prompt_tuning;
    const k = c.soft_prompt!.shape[0];
    // The fixture's mask includes the prompt's k ones; our API takes the tokens' mask and adds them.
    const fullMask = rows(c.attention_mask);
    assert.ok(fullMask.every((r) => r.slice(0, k).every((v) => v === 1)), 'fixture mask should start with k ones');
    const prompt = tf.tensor2d(rows(c.soft_prompt!));
    const input = { inputIds: rows(c.input_ids), attentionMask: fullMask.map((r) => r.slice(k)), decoderInputIds: rows(c.decoder_input_ids), labels: rows(c.labels), prompt };
    const { logits, encoderHiddenStates } = model.forward(input);
    const expectedStates = c.expected.encoder_last_hidden_state;
    const encErr = expectedStates ? maxAbsDiff(encoderHiddenStates.dataSync(), flat(expectedStates)) : 0;
    const logitErr = maxAbsDiff(logits.dataSync(), flat(c.expected.logits));
    tf.dispose([logits, encoderHiddenStates]);
    const { loss, grad } = model.promptGradient(input);
    const gradErr = maxAbsDiff(grad.dataSync(), flat(c.expected.grad_soft_prompt!));
    const lossErr = relDiff(loss, c.expected.loss);
    grad.dispose();
    prompt.dispose();
    console.log(`[${backend}] ${name} prompt: encoder ${expectedStates ? encErr.toExponential(2) : 'not in the fixture'}, logits ${logitErr.toExponential(2)}, loss rel ${lossErr.toExponential(2)}, grad ${gradErr.toExponential(2)}`);
    assert.ok(encErr <= 1e-4, `encoder states off by ${encErr}`);
    assert.ok(logitErr <= 1e-4, `logits off by ${logitErr}`);
    assert.ok(lossErr <= 1e-5, `loss off by ${lossErr} (relative)`);
    assert.ok(gradErr <= 1e-4, `prompt gradient off by ${gradErr}`);
    model.dispose();
  });

  test(`${name}: relative position buckets match transformers exactly`, () => {
    const b = readJson<{ encoder_relative_buckets: { num_buckets: number; max_distance: number; relative_position: number[]; encoder_bidirectional: number[]; decoder_causal: number[] } }>(join(dir, 'cases.json')).encoder_relative_buckets;
    // One query at position 0 against keys at the listed relative positions.
    const lo = Math.min(...b.relative_position);
    const keys = b.relative_position.length;
    for (const [bidirectional, expected] of [[true, b.encoder_bidirectional], [false, b.decoder_causal]] as const) {
      const table = bucketTable(1, keys, -lo, bidirectional, b.num_buckets, b.max_distance);
      assert.deepEqual(Array.from(table), expected, `bidirectional=${bidirectional}`);
    }
  });
});
