// Other layouts of the same checkpoint, where a fixture has them: sharded safetensors must give the
// float32 results, BF16 weights the upcast results transformers recorded.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { forEachGoldenDir, readJson, flat, rows, maxAbsDiff, relDiff, type FixtureTensor } from '../support/golden';

interface Seq2Seq { input_ids: FixtureTensor; attention_mask: FixtureTensor; decoder_input_ids: FixtureTensor; labels: FixtureTensor; expected: { logits: FixtureTensor; loss: number } }

before(async () => {
  await selectBackend();
});

async function checkSeq2Seq(modelDir: string, c: Seq2Seq, expected: { logits: FixtureTensor; loss: number }, label: string): Promise<void> {
  const model = await loadT5(modelDir);
  const input = { inputIds: rows(c.input_ids), attentionMask: rows(c.attention_mask), decoderInputIds: rows(c.decoder_input_ids), labels: rows(c.labels) };
  const { logits, encoderHiddenStates } = model.forward(input);
  const err = maxAbsDiff(logits.dataSync(), flat(expected.logits));
  tf.dispose([logits, encoderHiddenStates]);
  const lossErr = relDiff(model.loss(input), expected.loss);
  model.dispose();
  console.log(`${label}: logits ${err.toExponential(2)}, loss rel ${lossErr.toExponential(2)}`);
  assert.ok(err <= 1e-4, `${label}: logits off by ${err}`);
  assert.ok(lossErr <= 1e-5, `${label}: loss off by ${lossErr}`);
}

/** The variant folders hold weights (and maybe config.json); fill in the parent's config if absent. */
function withConfig(dir: string, variant: string): { path: string; cleanup: () => void } {
  const src = join(dir, variant);
  if (existsSync(join(src, 'config.json'))) return { path: src, cleanup: () => {} };
  const tmp = mkdtempSync(join(tmpdir(), 'pt-variant-'));
  cpSync(src, tmp, { recursive: true });
  cpSync(join(dir, 'config.json'), join(tmp, 'config.json'));
  return { path: tmp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

forEachGoldenDir((dir) => {
  const name = basename(dir);
  const cases = () => readJson<{ seq2seq: Seq2Seq }>(join(dir, 'cases.json')).seq2seq;

  test(`${name}: sharded safetensors load to the same model`, { skip: !existsSync(join(dir, 'sharded')) && 'no sharded/ copy in this fixture' }, async () => {
    const v = withConfig(dir, 'sharded');
    try {
      await checkSeq2Seq(v.path, cases(), cases().expected, `${name}/sharded`);
    } finally {
      v.cleanup();
    }
  });

  test(`${name}: BF16 weights load upcast to float32`, { skip: !existsSync(join(dir, 'bf16')) && 'no bf16/ copy in this fixture' }, async () => {
    const expected = readJson<{ formats: { bf16: { expected_seq2seq_upcast_float32: { logits: FixtureTensor; loss: number } } } }>(join(dir, 'extra.json')).formats.bf16.expected_seq2seq_upcast_float32;
    const v = withConfig(dir, 'bf16');
    try {
      await checkSeq2Seq(v.path, cases(), expected, `${name}/bf16`);
    } finally {
      v.cleanup();
    }
  });
});
