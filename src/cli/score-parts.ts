// What `prompt-tune eval` prints before the accuracy, for one prompt and for an ensemble's vote alike:
// the run's metric when it combines two scores (CB's, MultiRC's and ReCoRD's means), then F1, macro-F1,
// EM per question and answer F1 and EM when the metric computed them.
import type { Metric } from '../core/engine-names';
import { isCombinedMetric, type Scores } from '../core/training/run-metric';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** "acc-macro-f1 65.0%, macro-F1 50.0%, " and the like: each part followed by a comma, to precede the accuracy. */
export function scorePrefix(metric: Metric, score: number, r: Omit<Scores, 'exactMatch'>): string {
  const parts = [
    ...(isCombinedMetric(metric) ? [`${metric} ${pct(score)}`] : []),
    ...(r.f1 !== undefined ? [`F1 ${pct(r.f1)}`] : []),
    ...(r.macroF1 !== undefined ? [`macro-F1 ${pct(r.macroF1)}`] : []),
    ...(r.groupExactMatch !== undefined ? [`EM per question ${pct(r.groupExactMatch)}`] : []),
    ...(r.answerF1 !== undefined ? [`answer F1 ${pct(r.answerF1)}`] : []),
    ...(r.answerExactMatch !== undefined ? [`answer EM ${pct(r.answerExactMatch)}`] : []),
  ];
  return parts.map((part) => `${part}, `).join('');
}
