// The scores beyond accuracy that a metric needs (F1, macro-F1, EM per question), from the labels
// ranked first: one prompt's (evaluate.ts) or an ensemble's vote (evaluate-ensemble.ts), so both
// report the run's metric alike.
import type { Metric } from '../engine-names';
import { mapAnswer, type LabelMap } from './data/label-map';
import { binaryF1, macroF1 } from './f1';
import { groupExactMatch } from './group-match';
import { usesPositiveLabel, type Scores } from './run-metric';

export type LabelScores = Pick<Scores, 'f1' | 'macroF1' | 'groupExactMatch'>;

/**
 * What `metric` needs beyond accuracy; `ranked` in the data's terms ('' where the label map has no
 * reading), `labels` in the prompt's (read through `labelMap`), `examples` with their gold targets
 * and questions (MultiRC's groups).
 */
export function labelScores(
  metric: Metric | undefined,
  ranked: readonly string[],
  examples: readonly { target: string; group?: string }[],
  labels: readonly string[],
  labelMap: LabelMap | undefined,
): LabelScores {
  const golds = examples.map((e) => e.target);
  const dataLabels = [...new Set(labels.map((l) => mapAnswer(labelMap, l) ?? l))];
  const scores: LabelScores = {};
  if (usesPositiveLabel(metric) && dataLabels.length === 2) scores.f1 = binaryF1(ranked, golds, dataLabels[1]);
  if (metric === 'acc-macro-f1') scores.macroF1 = macroF1(ranked, golds, dataLabels);
  const groups = examples.map((e) => e.group);
  if (metric === 'f1a-em' && groups.every((g): g is string => g !== undefined)) {
    scores.groupExactMatch = groupExactMatch(ranked.map((label, i) => label === golds[i]), groups);
  }
  return scores;
}
