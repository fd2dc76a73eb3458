// The hand-written backward passes of the T5 sublayers (t5/layers.ts) against tfjs' autodiff of the
// very same forward code, with dropout on (identical masks both ways), on both fixture layouts
// (v1.0: ReLU, tied; v1.1: gated-GELU, untied) and the backend chosen by PROMPT_TUNER_BACKEND.
// HF's own gradient (dropout off) is checked in t5-forward.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { useAutodiffReference } from '../../src/core/t5/layers';
import { dropoutStream } from '../../src/core/tensor/dropout';
import { forEachGoldenDir, readJson, rows, maxAbsDiff, relDiff, type FixtureTensor } from '../support/golden';

let backend = '';
before(async () => {
  backend = (await selectBackend()).name;
});
after(() => useAutodiffReference(false));

forEachGoldenDir((dir) => {
  const name = basename(dir);
  test(`${name}: hand-written prompt gradient with dropout equals autodiff of the same forward`, async () => {
    const c = readJson<{ prompt_tuning: { soft_prompt: FixtureTensor; input_ids: FixtureTensor; attention_mask: FixtureTensor; labels: FixtureTensor } }>(join(dir, 'cases.json')).prompt_tuning;
    const model = await loadT5(dir);
    const k = c.soft_prompt.shape[0];
    const prompt = tf.tensor2d(rows(c.soft_prompt));
    const input = { inputIds: rows(c.input_ids), attentionMask: rows(c.attention_mask).map((r) => r.slice(k)), labels: rows(c.labels), prompt };
    const run = (reference: boolean) => {
      useAutodiffReference(reference);
      const { loss, grad } = model.promptGradient(input, { dropout: dropoutStream(0.3, 1234) });
      const values = grad.dataSync().slice();
      grad.dispose();
      return { loss, values };
    };
    const ours = run(false);
    const oracle = run(true);
    useAutodiffReference(false);
    const noDropout = model.promptGradient(input);
    noDropout.grad.dispose();
    const scale = Math.max(...Array.from(oracle.values, Math.abs));
    const gradErr = maxAbsDiff(ours.values, oracle.values) / scale;
    console.log(`[${backend}] ${name} dropout 0.3: loss rel ${relDiff(ours.loss, oracle.loss).toExponential(2)}, grad ${gradErr.toExponential(2)} of max |grad| ${scale.toExponential(2)}`);
    assert.ok(Math.abs(ours.loss - noDropout.loss) > 1e-4, 'dropout should change the loss (masks are drawn)');
    assert.ok(relDiff(ours.loss, oracle.loss) <= 1e-6, `loss differs: ${ours.loss} vs ${oracle.loss}`);
    assert.ok(gradErr <= 1e-5, `gradient differs from autodiff by ${gradErr} (relative to its largest entry)`);
    prompt.dispose();
    model.dispose();
  });
});
