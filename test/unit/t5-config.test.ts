// config.json parsing: HF defaults, v1.0 vs v1.1 layouts, and errors that name the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseT5Config } from '../../src/core';

test('T5 v1.0 defaults: ReLU, tied embeddings, decoder depth = encoder depth', () => {
  const c = parseT5Config({ model_type: 't5', num_layers: 4 });
  assert.equal(c.dense_act_fn, 'relu');
  assert.equal(c.is_gated_act, false);
  assert.equal(c.tie_word_embeddings, true);
  assert.equal(c.num_decoder_layers, 4);
  assert.equal(c.vocab_size, 32128);
});

test('T5 v1.1 / FLAN-T5: gated-gelu means gelu_new, untied lm_head', () => {
  const c = parseT5Config({ feed_forward_proj: 'gated-gelu', tie_word_embeddings: false, num_layers: 8, num_decoder_layers: 8 });
  assert.equal(c.dense_act_fn, 'gelu_new');
  assert.equal(c.is_gated_act, true);
  assert.equal(c.tie_word_embeddings, false);
});

test('unsupported or malformed values get errors naming the field', () => {
  assert.throws(() => parseT5Config({ model_type: 'bart' }), /model_type is "bart"/);
  assert.throws(() => parseT5Config({ feed_forward_proj: 'swish' }), /feed_forward_proj "swish" is not supported/);
  assert.throws(() => parseT5Config({ d_model: 'big' }), /"d_model" must be an integer from 1 to 16384 \(got "big"\)/);
  assert.throws(() => parseT5Config({ num_heads: 0 }), /"num_heads" must be an integer from 1 to 1024 \(got 0\)/);
  assert.throws(() => parseT5Config({ dropout_rate: 1.5 }), /dropout_rate/);
  assert.throws(() => parseT5Config([1, 2]), /expected a JSON object/);
});
