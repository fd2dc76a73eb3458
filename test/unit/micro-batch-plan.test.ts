// Planning a step's micro-batches from the memory model: split when the batch does not fit, keep
// the user's setting, and refuse up front, with what would fit, when one example does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FitError, planMicroBatch } from '../../src/core/training/micro-batch';
import { parseT5Config } from '../../src/core/t5/config';

const common = { vocab_size: 32128, relative_attention_num_buckets: 32, relative_attention_max_distance: 128, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false };
const baseLmAdapt = parseT5Config({ ...common, d_model: 768, d_kv: 64, d_ff: 2048, num_heads: 12, num_layers: 12, num_decoder_layers: 12 });
const xxl = parseT5Config({ ...common, d_model: 4096, d_kv: 64, d_ff: 10240, num_heads: 64, num_layers: 24, num_decoder_layers: 24 });
const paper = { promptLength: 100, inputLength: 412, targetLength: 16 };

test('t5-base-lm-adapt at the paper\'s settings (batch 32, prompt 100) trains on wasm in micro-batches', () => {
  const plan = planMicroBatch(baseLmAdapt, 'wasm', 32, paper);
  assert.ok(plan.size >= 1 && plan.size < 32, `micro-batch ${plan.size}`);
  assert.ok(plan.stepBytes <= plan.budgetBytes);
  assert.match(plan.reason ?? '', /a step of 32 examples needs ~[\d.]+ GiB, more than the wasm backend's 4 GiB heap/);
});

test('a micro-batch set by the user is kept (capped at the batch)', () => {
  assert.equal(planMicroBatch(baseLmAdapt, 'wasm', 32, paper, 3).size, 3);
  assert.equal(planMicroBatch(baseLmAdapt, 'wasm', 8, paper, 64).size, 8);
});

test('a step that cannot fit even one example is refused before it starts, saying what fits', () => {
  assert.throws(() => planMicroBatch(baseLmAdapt, 'wasm', 32, { ...paper, inputLength: 4000 }), (err: Error) => {
    assert.ok(err instanceof FitError);
    assert.match(err.message, /Training one example with a 100-token prompt and inputs of 4000 tokens needs ~[\d.]+ GiB, more than the wasm backend's 4 GiB heap/);
    const longest = Number(/inputs of at most (\d+) tokens/.exec(err.message)?.[1]);
    assert.ok(longest > 100 && longest < 4000, err.message);
    assert.doesNotThrow(() => planMicroBatch(baseLmAdapt, 'wasm', 32, { ...paper, inputLength: longest }), 'the advice fits');
    assert.match(err.message, /native backend/);
    return true;
  });
});

test('a model whose weights alone exceed the wasm heap is refused with the native backend as the way out', () => {
  assert.throws(() => planMicroBatch(xxl, 'wasm', 32, paper), (err: Error) => {
    assert.ok(err instanceof FitError);
    assert.match(err.message, /weights alone take ~[\d.]+ GiB on the wasm backend.*Set Up Native Backend/);
    return true;
  });
});
