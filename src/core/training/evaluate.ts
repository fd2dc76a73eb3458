// Validation metrics: the paper's exact match of the generated text against the target, and for a
// closed label set rank classification (the label with the highest summed log-probability). The
// labels are capped in number and cut to the target budget (data/labels.ts), and progress is
// reported per batch: scoring every label for every example is the slow part. With a label set the
// exact-match outputs are also checked against it (label-checks.ts); with a label map the prompt's
// labels are read as the data's (zero-shot transfer).
import type { T5Model } from '../t5/model';
import type { T5Tokenizer } from '../tokenizer';
import type { PromptTensor } from '../t5/model';
import { rankCandidates } from './data/labels';
import { mapAnswer, type LabelMap } from './data/label-map';
import { checkLabels, type LabelChecks } from './label-checks';
import { padBatch, type EncodedExample } from './encode';
import { DEFAULTS } from './options';
import { labelScores } from './label-scores';
import { answerScores } from './squad';
import type { Scores } from './run-metric';
import type { Metric } from '../engine-names';

export interface EvalResult extends Scores {
  exactMatch: number; // fraction in [0, 1]
  rankAccuracy?: number; // fraction in [0, 1], when labels are known
  f1?: number; // in [0, 1], of the ranked labels, the second label positive, when the metric is f1 or f1a-em
  macroF1?: number; // in [0, 1], of the ranked labels over the label set, when the metric is acc-macro-f1
  groupExactMatch?: number; // share of groups (MultiRC's questions) all ranked right, when the metric is f1a-em
  answerF1?: number; // in [0, 1], SQuAD's token F1 of the generated text, the best over the gold answers, when the metric is squad-f1-em
  answerExactMatch?: number; // in [0, 1], SQuAD's EM (after its normalisation) likewise
  validLoss: number;
  n: number;
  predictions: string[]; // generated text per example, in order
  labelChecks?: LabelChecks; // when labels are known
}

/** New tokens to generate: as many as the longest target has; with a label map, as the prompt's longest label (the answer it was tuned to give). */
function generationBudget(examples: readonly EncodedExample[], labelMap: LabelMap | undefined, encodeCut: (texts: string[], maxLength: number) => number[][], maxTargetLength: number): number {
  const targets = labelMap ? encodeCut([...labelMap.keys()], maxTargetLength) : examples.map((e) => e.targetIds);
  return Math.max(...targets.map((ids) => ids.length));
}

/** Exact match after trimming surrounding whitespace (T5's postprocessing for classification). */
export function exactMatch(prediction: string, target: string): boolean {
  return prediction.trim() === target.trim();
}

/** A prompt's `answer` is right for `gold` once read in the data's terms (through the label map). */
export function isRightAnswer(labelMap: LabelMap | undefined, answer: string, gold: string): boolean {
  const mapped = mapAnswer(labelMap, answer);
  return mapped !== undefined && exactMatch(mapped, gold);
}

/** What an evaluation scores: the label set, its rank candidates (when ranking) and the generation budget. */
export function scoringPlan(
  tok: T5Tokenizer,
  examples: readonly EncodedExample[],
  opts: { labels?: readonly string[]; labelMap?: LabelMap; maxTargetLength?: number },
  rank: boolean,
): { labels?: readonly string[]; candidates?: number[][]; maxNewTokens: number } {
  const encodeCut = (texts: string[], maxLength: number) => tok.encodeBatch(texts, { maxLength, padding: 'none' }).inputIds;
  const labels = opts.labels && opts.labels.length > 0 ? opts.labels : undefined;
  const maxTargetLength = opts.maxTargetLength ?? DEFAULTS.maxTargetLength;
  return {
    labels,
    candidates: labels && rank ? rankCandidates(labels, encodeCut, maxTargetLength) : undefined,
    maxNewTokens: generationBudget(examples, opts.labelMap, encodeCut, maxTargetLength),
  };
}

/** How evaluate and evaluateEnsemble score (one prompt, or an ensemble's vote). */
export interface EvaluateOptions {
  /** Rows per pass (an ensemble puts batchSize / members examples through once per prompt). */
  batchSize: number;
  /** The prompts' label set: the valid outputs, and what rank classification scores. */
  labels?: readonly string[];
  /** Rank the labels (the slow part; an ensemble's members then vote on labels); default: true when there are labels. */
  rank?: boolean;
  /** The prompts' labels in the data's terms (covering `labels`; see data/label-map.ts). */
  labelMap?: LabelMap;
  /** Label candidates are cut to this many tokens (eos included), as targets are; default: the run default. */
  maxTargetLength?: number;
  /** Also compute the scores this metric needs: F1, macro-F1, EM per group from the ranked labels, SQuAD's F1 and EM from the generated text. */
  metric?: Metric;
  /** After each batch: examples done of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export function evaluate(
  model: T5Model,
  tok: T5Tokenizer,
  prompt: PromptTensor | undefined,
  examples: readonly EncodedExample[],
  opts: EvaluateOptions,
): EvalResult {
  if (examples.length === 0) throw new Error('No validation examples to evaluate on.');
  const { labels, candidates, maxNewTokens } = scoringPlan(tok, examples, opts, opts.rank ?? true);
  let exact = 0;
  let ranked = 0;
  let lossSum = 0;
  const predictions: string[] = [];
  const rankedLabels: string[] = [];
  for (let start = 0; start < examples.length; start += opts.batchSize) {
    const rows = examples.slice(start, start + opts.batchSize);
    const batch = padBatch(rows, tok.padId);
    lossSum += model.loss({ ...batch, prompt }) * rows.length;
    const generated = model.generate({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, prompt, maxNewTokens });
    generated.sequences.forEach((ids, i) => {
      const text = tok.decode(ids.slice(1)).trim();
      predictions.push(text);
      if (isRightAnswer(opts.labelMap, text, rows[i].target)) exact++;
    });
    if (candidates) {
      const scores = model.score({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, prompt, candidates });
      scores.forEach((s, i) => {
        // Ranked labels in the data's terms (a label map relabels a prompt's answers for another task).
        const label = mapAnswer(opts.labelMap, labels![s.indexOf(Math.max(...s))]!);
        rankedLabels.push(label ?? '');
        if (label === rows[i].target) ranked++;
      });
    }
    opts.onProgress?.(start + rows.length, examples.length);
  }
  const n = examples.length;
  const golds = examples.map((e) => e.target);
  const labelChecks = labels ? { labelChecks: checkLabels(predictions, golds, labels, opts.labelMap) } : {};
  const extra = labels && candidates ? labelScores(opts.metric, rankedLabels, examples, labels, opts.labelMap) : {};
  return { exactMatch: exact / n, ...(candidates ? { rankAccuracy: ranked / n } : {}), ...extra, ...generatedScores(opts.metric, predictions, examples), validLoss: lossSum / n, n, predictions, ...labelChecks };
}

/** SQuAD's F1 and EM of the generated answers against every gold answer, when `metric` needs them and every example has answers. */
function generatedScores(metric: Metric | undefined, predictions: readonly string[], examples: readonly EncodedExample[]): Pick<Scores, 'answerF1' | 'answerExactMatch'> {
  const answers = examples.map((e) => e.answers);
  if (metric !== 'squad-f1-em' || !answers.every((a): a is string[] => a !== undefined && a.length > 0)) return {};
  const scores = answerScores(predictions, answers);
  return { answerF1: scores.f1, answerExactMatch: scores.exactMatch };
}
