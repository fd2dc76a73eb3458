// Label sets for rank classification. Every label is scored for every example, so the cost is
// examples x labels x label tokens: both factors are bounded here, for training and evaluation
// alike. Labels are cut to the target budget as training targets are (a 100k-character label
// once made scoring allocate ~10 GB), and the number of labels is capped (5,000 distinct targets
// once made an evaluation run for minutes).
import { DataSpecError } from './errors';
import { count } from './limits';

/** More labels than any classification task the paper tunes for; beyond it, targets are open-ended text. */
export const MAX_RANK_LABELS = 100;

/** Refuses a label set too large to rank; `from` says where it came from (e.g. "--labels", "the data's targets"). */
export function checkRankLabels(labels: readonly string[], from: string): void {
  if (labels.length > MAX_RANK_LABELS) {
    throw new DataSpecError(
      'labels',
      `${count(labels.length)} labels (${from}) are more than the ${MAX_RANK_LABELS} rank classification scores for every example; ` +
        'for open-ended targets use the exact-match metric, or give the label set explicitly',
    );
  }
}

/** Tokenizes texts with eos, cutting each to `maxLength` tokens (eos kept last), as targets are. */
type EncodeCut = (texts: string[], maxLength: number) => number[][];

/**
 * The token ids rank classification scores for each label: capped in number, each cut to
 * `maxTargetTokens` like the training targets. Labels that the cut makes identical are refused:
 * scoring could not tell them apart.
 */
export function rankCandidates(labels: readonly string[], encode: EncodeCut, maxTargetTokens: number, from = 'the label set'): number[][] {
  checkRankLabels(labels, from);
  const ids = encode([...labels], maxTargetTokens);
  const seen = new Map<string, number>();
  ids.forEach((row, i) => {
    const key = row.join(',');
    const first = seen.get(key);
    if (first !== undefined) {
      throw new DataSpecError(
        'labels',
        `${JSON.stringify(shorten(labels[first]))} and ${JSON.stringify(shorten(labels[i]))} are the same in their first ${maxTargetTokens} tokens, ` +
          'so ranking cannot tell them apart; shorten the labels or raise the maximum target length',
      );
    }
    seen.set(key, i);
  });
  return ids;
}

function shorten(label: string): string {
  return label.length > 60 ? `${label.slice(0, 57)}...` : label;
}
