// Binary F1 of predicted against true labels, as sklearn's f1_score (which T5's MRPC, QQP and
// MultiRC metrics call): 2·TP / (2·TP + FP + FN) for one positive label, 0 when there is nothing to count.

export function binaryF1(predicted: readonly string[], actual: readonly string[], positive: string): number {
  if (predicted.length !== actual.length) throw new RangeError(`F1 needs a prediction per example (got ${predicted.length} for ${actual.length})`);
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
