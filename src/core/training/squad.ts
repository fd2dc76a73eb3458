// SQuAD's answer scores, as T5 scores ReCoRD (t5/evaluation/qa_utils.py: normalize_squad, then
// qa_metrics: exact match and token F1, each the best over the gold answers, averaged over examples).

// Python's string.punctuation, which normalize_squad removes.
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
// Python's \b(a|an|the)\b on str: word characters are Unicode letters, digits and the underscore.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** Lowercased, without punctuation and articles, whitespace collapsed (normalize_squad). */
export function normalizeAnswer(text: string): string {
  const unpunctuated = [...text.toLowerCase()].filter((ch) => !PUNCTUATION.has(ch)).join('');
  return unpunctuated.replace(ARTICLES, ' ').split(/\s+/u).filter(Boolean).join(' ');
}

/** Token F1 of a normalised prediction against one normalised answer (T5's _f1_score). */
function tokenF1(answer: string, prediction: string): number {
  const predicted = prediction.split(' ').filter(Boolean);
  const gold = answer.split(' ').filter(Boolean);
  const left = new Map<string, number>();
  for (const token of gold) left.set(token, (left.get(token) ?? 0) + 1);
  let same = 0;
  for (const token of predicted) {
    const n = left.get(token) ?? 0;
    if (n > 0) {
      same++;
      left.set(token, n - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / gold.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface AnswerScores {
  /** Mean over examples of the best exact match (after normalisation) over its answers, in [0, 1]. */
  exactMatch: number;
  /** Mean over examples of the best token F1 over its answers, in [0, 1]. */
  f1: number;
}

/** EM and F1 of `predictions` against each example's gold answers (every example needs at least one). */
export function answerScores(predictions: readonly string[], answers: readonly (readonly string[])[]): AnswerScores {
  if (predictions.length !== answers.length) throw new RangeError(`answer scores need a prediction per example (got ${predictions.length} for ${answers.length})`);
  if (predictions.length === 0) throw new RangeError('answer scores need at least one example');
  let em = 0;
  let f1 = 0;
  predictions.forEach((p, i) => {
    const golds = answers[i].map(normalizeAnswer);
    if (golds.length === 0) throw new RangeError(`example ${i + 1} has no gold answers to score against`);
    const prediction = normalizeAnswer(p);
    em += golds.some((g) => g === prediction) ? 1 : 0;
    f1 += Math.max(...golds.map((g) => tokenF1(g, prediction)));
  });
  return { exactMatch: em / predictions.length, f1: f1 / predictions.length };
}
