// The metric that selects a run's best prompt, in one place for training, `prompt-tune eval` and a
// sweep's text prompts: what it needs of the labels and the data, and its value from an evaluation.
import type { Metric } from '../engine-names';

/** The scores an evaluation gives (evaluate.ts); the metric combines them. */
export interface Scores {
  exactMatch: number;
  rankAccuracy?: number;
  /** F1 of the ranked labels, when the run's metric is f1 or f1a-em (MultiRC's F1a). */
  f1?: number;
  /** Macro-F1 of the ranked labels, when the run's metric is acc-macro-f1 (CB). */
  macroF1?: number;
  /** EM per question (share of questions whose answer options are all ranked right), when the metric is f1a-em (MultiRC). */
  groupExactMatch?: number;
  /** SQuAD's token F1 and EM of the generated text, the best over each example's gold answers (ReCoRD; squad.ts). */
  answerF1?: number;
  answerExactMatch?: number;
}

/** Metrics that are the mean of two scores (SuperGLUE's CB, MultiRC and ReCoRD scores). */
export const isCombinedMetric = (metric: Metric): boolean => metric === 'acc-macro-f1' || metric === 'f1a-em' || metric === 'squad-f1-em';

/** Metrics over free answers whose targets are no label set, however few (ReCoRD's answers are entities of each row). */
export const scoresFreeAnswers = (metric: Metric | undefined): boolean => metric === 'squad-f1-em';

/** Metrics that score the generated text (exact match, ReCoRD's answers), not labels ranked. */
export const scoresGeneratedText = (metric: Metric): boolean => metric === 'exact-match' || metric === 'squad-f1-em';

/** Metrics that score with the second label as the positive class. */
export const usesPositiveLabel = (metric: Metric | undefined): boolean => metric === 'f1' || metric === 'f1a-em';

/**
 * Why `metric` cannot score these labels (undefined when it can): F1 needs two labels, the second
 * positive; macro-F1 needs a label set.
 */
export function metricLabelProblem(metric: Metric | undefined, labels: readonly string[] | undefined): string | undefined {
  const have = labels === undefined ? 'open-ended targets' : `${labels.length} labels (${labels.join(', ')})`;
  if (usesPositiveLabel(metric) && labels?.length !== 2) {
    return `${metric} scores two labels, the second being the positive class, but there are ${have}; give two labels in that order (e.g. --labels not_equivalent,equivalent) or use the rank metric`;
  }
  if (metric === 'acc-macro-f1' && (labels === undefined || labels.length < 2)) {
    return `acc-macro-f1 averages F1 over a label set, but there are ${have}; give the labels (--labels) or use exact-match`;
  }
  return undefined;
}

/**
 * Why `metric` cannot score these examples (undefined when it can): EM per question needs each
 * example's question, SQuAD's F1 and EM each example's gold answers.
 */
export function metricDataProblem(metric: Metric | undefined, examples: readonly { group?: string; answers?: readonly string[]; source?: { file: string; line: number } }[]): string | undefined {
  const where = (e: (typeof examples)[number]) => (e.source ? `${e.source.file}, line ${e.source.line}` : 'an example');
  if (metric === 'squad-f1-em') {
    const unanswered = examples.find((e) => e.answers === undefined || e.answers.length === 0);
    if (unanswered === undefined) return undefined;
    return `squad-f1-em scores the generated answer against each example's gold answers, but ${where(unanswered)} has none (ReCoRD's answers list, as the hub's super_glue rows have); use --task record with rows that have answers, or --metric exact-match`;
  }
  if (metric !== 'f1a-em') return undefined;
  const ungrouped = examples.find((e) => e.group === undefined);
  if (ungrouped === undefined) return undefined;
  return `f1a-em scores EM per question, but ${where(ungrouped)} has no question index (MultiRC's idx field with paragraph and question, as the hub's super_glue rows have); use --task multirc with rows that have idx, or --metric f1`;
}

const mean = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : (a + b) / 2);

/** What each metric is called where a run's progress is shown. */
export const METRIC_LABELS: Record<Metric, string> = {
  rank: 'rank accuracy',
  'exact-match': 'exact match',
  f1: 'F1',
  'acc-macro-f1': 'mean of accuracy and macro-F1',
  'f1a-em': 'mean of F1a and EM per question',
  'squad-f1-em': 'mean of answer F1 and EM',
};

/** The metric an evaluation was scored by and its value: the run's, or exact match when the evaluation lacks its scores (open-ended targets without gold answer lists). */
export function scoredMetric(metric: Metric, r: Scores): { metric: Metric; score: number } {
  const values: Record<Metric, number | undefined> = {
    rank: r.rankAccuracy,
    'exact-match': r.exactMatch,
    f1: r.f1,
    'acc-macro-f1': mean(r.rankAccuracy, r.macroF1),
    'f1a-em': mean(r.f1, r.groupExactMatch),
    'squad-f1-em': mean(r.answerF1, r.answerExactMatch),
  };
  const score = values[metric];
  return score === undefined ? { metric: 'exact-match', score: r.exactMatch } : { metric, score };
}

/** The metric's value; exact match when the evaluation has no label scores (open-ended targets). */
export const metricValue = (metric: Metric, r: Scores): number => scoredMetric(metric, r).score;

/** The scores an evaluation computed, without those it did not (events and saved metrics hold these). */
export function evalScores(r: Scores): Scores {
  const optional: Omit<Scores, 'exactMatch'> = { rankAccuracy: r.rankAccuracy, f1: r.f1, macroF1: r.macroF1, groupExactMatch: r.groupExactMatch, answerF1: r.answerF1, answerExactMatch: r.answerExactMatch };
  return { exactMatch: r.exactMatch, ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) };
}
