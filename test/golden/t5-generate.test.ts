// Decoding and rank classification against transformers: greedy (with and without a soft prompt,
// with padding), beam search ids and scores, and summed candidate log-probabilities.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { forEachGoldenDir, readJson, rows, maxAbsDiff, type FixtureTensor } from '../support/golden';

interface GreedyCase { name: string; input_ids: FixtureTensor; attention_mask: FixtureTensor; expected_output_ids: FixtureTensor; soft_prompt?: string }
interface BeamCase {
  input_ids: FixtureTensor; num_beams: number; length_penalty: number; early_stopping: boolean; max_new_tokens: number;
  expected_output_ids: FixtureTensor; expected_sequence_score: number;
  all_beams_num_return_sequences_3: { output_ids: FixtureTensor; sequence_scores: number[] };
}
interface Cases {
  prompt_tuning: { soft_prompt: FixtureTensor };
  generation: { settings: { greedy: { max_new_tokens: number } }; greedy: GreedyCase[]; beam: BeamCase };
}
interface RankCase {
  candidates: number[][];
  summed_log_prob: number[][];
  argmax_candidate: number[];
}

before(async () => {
  await selectBackend();
});

forEachGoldenDir((dir) => {
  const name = basename(dir);
  test(`${name}: greedy ids match transformers`, async () => {
    const cases = readJson<Cases>(join(dir, 'cases.json'));
    const model = await loadT5(dir);
    for (const g of cases.generation.greedy) {
      const prompt = g.soft_prompt ? tf.tensor2d(rows(cases.prompt_tuning.soft_prompt)) : undefined;
      const k = prompt?.shape[0] ?? 0;
      // With a prompt the fixture's mask includes the prompt's ones; our API adds them itself.
      const mask = rows(g.attention_mask).map((r) => r.slice(k));
      const out = model.generate({ inputIds: rows(g.input_ids), attentionMask: mask, prompt, maxNewTokens: cases.generation.settings.greedy.max_new_tokens });
      assert.deepEqual(out.sequences, rows(g.expected_output_ids), `greedy case ${g.name}`);
      prompt?.dispose();
    }
    model.dispose();
  });

  test(`${name}: beam search ids and scores match transformers`, async () => {
    const b = readJson<Cases>(join(dir, 'cases.json')).generation.beam;
    const model = await loadT5(dir);
    const opts = { inputIds: rows(b.input_ids), maxNewTokens: b.max_new_tokens, numBeams: b.num_beams, lengthPenalty: b.length_penalty, earlyStopping: b.early_stopping };
    const one = model.generate(opts);
    assert.deepEqual(one.sequences, rows(b.expected_output_ids));
    assert.ok(Math.abs(one.scores![0] - b.expected_sequence_score) <= 1e-4, `score ${one.scores![0]} vs ${b.expected_sequence_score}`);
    const all = model.generate({ ...opts, numReturnSequences: b.num_beams });
    assert.deepEqual(all.sequences, rows(b.all_beams_num_return_sequences_3.output_ids));
    assert.ok(maxAbsDiff(all.scores!, b.all_beams_num_return_sequences_3.sequence_scores) <= 1e-4, `scores ${all.scores} vs ${b.all_beams_num_return_sequences_3.sequence_scores}`);
    model.dispose();
  });

  test(`${name}: rank classification sums match transformers`, async () => {
    const cases = readJson<Cases & { prompt_tuning: { input_ids: FixtureTensor; attention_mask: FixtureTensor } }>(join(dir, 'cases.json'));
    const r = readJson<{ rank_classification: RankCase }>(join(dir, 'extra.json')).rank_classification;
    const model = await loadT5(dir);
    const prompt = tf.tensor2d(rows(cases.prompt_tuning.soft_prompt));
    const k = prompt.shape[0];
    const sums = model.score({
      inputIds: rows(cases.prompt_tuning.input_ids),
      attentionMask: rows(cases.prompt_tuning.attention_mask).map((row) => row.slice(k)),
      prompt,
      candidates: r.candidates,
    });
    const err = maxAbsDiff(sums.flat(), r.summed_log_prob.flat());
    console.log(`${name} rank classification max error ${err.toExponential(2)}`);
    assert.ok(err <= 1e-4, `summed log-probs off by ${err}`);
    assert.deepEqual(sums.map((s) => s.indexOf(Math.max(...s))), r.argmax_candidate);
    prompt.dispose();
    model.dispose();
  });
});

forEachGoldenDir((dir) => {
  test(`${basename(dir)}: a batch with a different prompt per row equals each row run alone (mixed-task batch)`, async () => {
    const cases = readJson<Cases & { prompt_tuning: { input_ids: FixtureTensor; attention_mask: FixtureTensor } }>(join(dir, 'cases.json'));
    const model = await loadT5(dir);
    const p = rows(cases.prompt_tuning.soft_prompt);
    const k = p.length;
    const other = p.map((row) => row.map((v) => -v)); // a second, different prompt
    const ids = rows(cases.prompt_tuning.input_ids);
    const mask = rows(cases.prompt_tuning.attention_mask).map((r) => r.slice(k));
    const mixed = tf.tensor3d([p, other]);
    const together = model.generate({ inputIds: ids, attentionMask: mask, prompt: mixed, maxNewTokens: 6 }).sequences;
    const scoredTogether = model.score({ inputIds: ids, attentionMask: mask, prompt: mixed, candidates: [[5, 1], [17, 9, 1]] });
    for (const [r, prompt] of [p, other].entries()) {
      const alone = tf.tensor2d(prompt);
      const one = { inputIds: [ids[r]], attentionMask: [mask[r]], prompt: alone };
      assert.deepEqual(together[r], model.generate({ ...one, maxNewTokens: 6 }).sequences[0]);
      assert.ok(maxAbsDiff(scoredTogether[r], model.score({ ...one, candidates: [[5, 1], [17, 9, 1]] })[0]) <= 1e-4);
      alone.dispose();
    }
    mixed.dispose();
    model.dispose();
  });
});
