// Evaluating an ensemble of prompts (§6): each batch of examples is replicated once per prompt and
// runs as ONE mixed-prompt pass (prompt/ensemble.ts). With labels each member answers by rank
// classification and members vote on labels (prompt/vote.ts); without, they vote on the generated
// strings. Reports the ensemble's accuracy, each member's, how often the members disagree, and with a
// label set the vote's label checks (invalid outputs, labels never produced, confusion) and the scores
// the metric needs (F1, macro-F1, EM per question), as evaluate does.
import type { T5Model } from '../t5/model';
import type { T5Tokenizer } from '../tokenizer';
import { ensemblePromptTensor, groupReplicated, replicateExamples, type SoftPrompt } from '../prompt';
import { labelVote, textVote, topLabel } from '../vote';
import type { Metric } from '../engine-names';
import { mapAnswer, type LabelMap } from './data/label-map';
import { padBatch, type EncodedExample } from './encode';
import { isRightAnswer, scoringPlan, type EvaluateOptions } from './evaluate';
import { checkLabels, type LabelChecks } from './label-checks';
import { labelScores, type LabelScores } from './label-scores';

export interface EnsembleEvalResult extends LabelScores {
  by: 'label' | 'text';
  /** The vote's accuracy. */
  accuracy: number;
  /** Each member's own accuracy, in the prompts' order. */
  members: number[];
  /** The share of examples on which the members do not all give the same answer. */
  disagreement: number;
  n: number;
  /** The vote's answers checked against the label set, when there is one. */
  labelChecks?: LabelChecks;
}

/** One example's answers: each member's (a label or a generated string), the vote's and the gold target. */
export interface EnsembleRow {
  answers: readonly string[];
  vote: string;
  gold: string;
}

/** The scores `metric` needs of the vote on labels (prompt's terms, read through `labelMap`); `examples` in the rows' order. */
export function voteLabelScores(
  metric: Metric | undefined,
  rows: readonly EnsembleRow[],
  examples: readonly { target: string; group?: string }[],
  labels: readonly string[],
  labelMap: LabelMap | undefined,
): LabelScores {
  return labelScores(metric, rows.map((r) => mapAnswer(labelMap, r.vote) ?? ''), examples, labels, labelMap);
}

/** Accuracy of the vote and of each member, and the share of rows whose members disagree. */
export function summarizeEnsemble(rows: readonly EnsembleRow[], isRight: (answer: string, gold: string) => boolean, by: EnsembleEvalResult['by']): EnsembleEvalResult {
  if (rows.length === 0) throw new Error('No examples to evaluate the ensemble on.');
  const n = rows.length;
  const share = (count: (r: EnsembleRow) => boolean) => rows.filter(count).length / n;
  return {
    by,
    accuracy: share((r) => isRight(r.vote, r.gold)),
    members: rows[0].answers.map((_, m) => share((r) => isRight(r.answers[m], r.gold))),
    disagreement: share((r) => new Set(r.answers).size > 1),
    n,
  };
}

export function evaluateEnsemble(
  model: T5Model,
  tok: T5Tokenizer,
  prompts: readonly SoftPrompt[],
  examples: readonly EncodedExample[],
  opts: EvaluateOptions,
): EnsembleEvalResult {
  if (examples.length === 0) throw new Error('No examples to evaluate the ensemble on.');
  const n = prompts.length;
  const { labels, candidates, maxNewTokens } = scoringPlan(tok, examples, opts, opts.rank ?? true);
  const perPass = Math.max(1, Math.floor(opts.batchSize / n));
  const rows: EnsembleRow[] = [];
  for (let start = 0; start < examples.length; start += perPass) {
    const batchRows = examples.slice(start, start + perPass);
    const batch = padBatch(batchRows, tok.padId);
    const input = { inputIds: replicateExamples(batch.inputIds, n), attentionMask: replicateExamples(batch.attentionMask, n) };
    const prompt = ensemblePromptTensor(prompts, batchRows.length);
    try {
      if (candidates) {
        const scores = groupReplicated(model.score({ ...input, prompt, candidates }), n);
        scores.forEach((members, i) => {
          const named = members.map((s) => Object.fromEntries(labels!.map((l, c) => [l, s[c]])));
          rows.push({ answers: named.map(topLabel), vote: labelVote(named).text, gold: batchRows[i].target });
        });
      } else {
        const texts = groupReplicated(model.generate({ ...input, prompt, maxNewTokens }).sequences.map((ids) => tok.decode(ids.slice(1)).trim()), n);
        texts.forEach((answers, i) => rows.push({ answers, vote: textVote(answers).text, gold: batchRows[i].target }));
      }
    } finally {
      prompt.dispose();
    }
    opts.onProgress?.(start + batchRows.length, examples.length);
  }
  const summary = summarizeEnsemble(rows, (answer, gold) => isRightAnswer(opts.labelMap, answer, gold), candidates ? 'label' : 'text');
  if (!labels) return summary;
  const scores = candidates ? voteLabelScores(opts.metric, rows, examples, labels, opts.labelMap) : {};
  return { ...summary, ...scores, labelChecks: checkLabels(rows.map((r) => r.vote), rows.map((r) => r.gold), labels, opts.labelMap) };
}
