// F1 of predicted against true labels, as sklearn's f1_score (which T5's metrics call): per label
// 2·TP / (2·TP + FP + FN), 0 when there is nothing to count. Binary F1 scores one positive label
// (T5's MRPC, QQP and MultiRC F1a); macro-F1 is the mean over a fixed label list (T5's
// mean_multiclass_f1 for CB: f1_score with labels=range(num_classes), average='macro').

function checkLengths(predicted: readonly string[], actual: readonly string[]): void {
  if (predicted.length !== actual.length) throw new RangeError(`F1 needs a prediction per example (got ${predicted.length} for ${actual.length})`);
}

function labelF1(predicted: readonly string[], actual: readonly string[], positive: string): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  predicted.forEach((p, i) => {
    const truth = actual[i] === positive;
    if (p === positive && truth) tp++;
    else if (p === positive) fp++;
    else if (truth) fn++;
  });
  const denominator = 2 * tp + fp + fn;
  return denominator === 0 ? 0 : (2 * tp) / denominator;
}

export function binaryF1(predicted: readonly string[], actual: readonly string[], positive: string): number {
  checkLengths(predicted, actual);
  return labelF1(predicted, actual, positive);
}

/** The mean of each label's F1 over `labels` (a label never predicted nor true counts 0, as sklearn's zero_division). */
export function macroF1(predicted: readonly string[], actual: readonly string[], labels: readonly string[]): number {
  checkLengths(predicted, actual);
  if (labels.length === 0) throw new RangeError('macro-F1 needs at least one label');
  return labels.reduce((sum, label) => sum + labelF1(predicted, actual, label), 0) / labels.length;
}
