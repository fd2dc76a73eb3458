// The ensemble's vote rule and its evaluation summary, on cases counted by hand in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensembleVote, labelVote, textVote, topLabel } from '../../src/core/vote';
import { summarizeEnsemble, voteLabelScores } from '../../src/core/training/evaluate-ensemble';
import { parseLabelMap } from '../../src/core/training/data/label-map';

test('label vote: each member votes for its top label and the majority wins, however sure the minority is', () => {
  // Members 1 and 2 rank yes first, member 3 ranks no first with near certainty: yes has 2 votes of 3,
  // though no's summed log-probability (-3 - 2 - 0.01 = -5.01) beats yes's (-0.1 - 0.2 - 9 = -9.3).
  const vote = labelVote([{ yes: -0.1, no: -3 }, { yes: -0.2, no: -2 }, { yes: -9, no: -0.01 }]);
  assert.deepEqual(vote, { text: 'yes', votes: { yes: 2, no: 1 }, by: 'label' });
  assert.equal(topLabel({ a: -1, b: -1, c: -2 }), 'a', 'equal scores: the first label');
  // 2-2 tie between a and b, c has none: a sums -1 - 1 - 3 - 3 = -8, b sums -2 - 2 - 1 - 1 = -6: b.
  const tie = labelVote([{ a: -1, b: -2, c: -9 }, { a: -1, b: -2, c: -9 }, { a: -3, b: -1, c: -9 }, { a: -3, b: -1, c: -9 }]);
  assert.equal(tie.text, 'b');
});

test('the ensemble votes on labels only when every member scored the same labels, else on the generated strings', () => {
  assert.equal(ensembleVote([{ text: 'yes!', labelScores: { yes: -1, no: -2 } }, { text: 'yes', labelScores: { yes: -1, no: -3 } }]).by, 'label');
  assert.equal(ensembleVote([{ text: 'yes!', labelScores: { yes: -1, no: -2 } }, { text: 'yes', labelScores: { yes: -1 } }]).by, 'text');
  assert.deepEqual(textVote(['b ', 'a', 'b']), { text: 'b', votes: { b: 2, a: 1 }, by: 'text' });
});

test('ensemble evaluation: the vote\'s accuracy, each member\'s, and the share of examples where members disagree', () => {
  const rows = [
    { answers: ['yes', 'yes', 'yes'], vote: 'yes', gold: 'yes' }, // all right, agree
    { answers: ['yes', 'no', 'yes'], vote: 'yes', gold: 'no' }, //   vote wrong, only member 2 right, disagree
    { answers: ['no', 'no', 'yes'], vote: 'no', gold: 'no' }, //     vote right, members 1 and 2 right, disagree
    { answers: ['no', 'no', 'no'], vote: 'no', gold: 'yes' }, //     all wrong, agree
  ];
  const r = summarizeEnsemble(rows, (a, g) => a === g, 'label');
  // vote: examples 1 and 3 of 4; member 1: 1 and 3; member 2: 1, 2 and 3; member 3: 1; disagreement: 2 and 3.
  assert.deepEqual(r, { by: 'label', accuracy: 0.5, members: [0.5, 0.75, 0.25], disagreement: 0.5, n: 4 });
});

test('the vote is scored by the run\'s metric: F1, macro-F1 over the labels and EM per question, counted by hand', () => {
  const row = (vote: string, gold: string) => ({ answers: [vote, vote], vote, gold });
  // CB-like, 5 examples: entailment TP 1 FP 1 FN 1 → F1 2/4; contradiction TP 2 FP 1 → 4/5; neutral never voted → 0.
  const cb = [['entailment', 'entailment'], ['contradiction', 'entailment'], ['contradiction', 'contradiction'], ['entailment', 'neutral'], ['contradiction', 'contradiction']].map(([v, g]) => row(v!, g!));
  const cbScores = voteLabelScores('acc-macro-f1', cb, cb.map((r) => ({ target: r.gold })), ['entailment', 'contradiction', 'neutral'], undefined);
  assert.ok(Math.abs(cbScores.macroF1! - (0.5 + 0.8 + 0) / 3) < 1e-12);
  assert.equal(cbScores.f1, undefined, 'CB\'s metric needs no binary F1');
  // MultiRC-like, the prompt's labels no/yes read as the data's False/True; questions q1 (2 options), q2 (2), q3 (1).
  const labelMap = parseLabelMap('no=False,yes=True', '--label-map');
  const mrc = [['yes', 'True'], ['no', 'False'], ['no', 'True'], ['yes', 'True'], ['yes', 'False']].map(([v, g]) => row(v!, g!));
  const groups = ['q1', 'q1', 'q2', 'q2', 'q3'];
  const mrcScores = voteLabelScores('f1a-em', mrc, mrc.map((r, i) => ({ target: r.gold, group: groups[i] })), ['no', 'yes'], labelMap);
  // True positive: TP 2 (options 1, 4), FP 1 (5), FN 1 (3) → 4/6; only q1 has every option right → 1/3.
  assert.ok(Math.abs(mrcScores.f1! - 4 / 6) < 1e-12);
  assert.ok(Math.abs(mrcScores.groupExactMatch! - 1 / 3) < 1e-12);
});
