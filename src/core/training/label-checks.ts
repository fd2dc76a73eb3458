// What the paper reads off a classification task's exact-match outputs (§3.2): how many outputs
// are no label at all (hallucinated), which labels never come out, and which gold labels turn into
// which outputs (the confusion matrix, with an "other" column for the outputs that are no label).
// Plain counting over strings: the same for training's evaluations, `prompt-tune eval` and the panel.
import type { LabelMap } from './data/label-map';

/** Most frequent invalid outputs kept as examples. */
export const INVALID_EXAMPLES = 5;

export interface LabelChecks {
  /** The confusion matrix's columns before "other": the labels an output may be, in the gold labels' terms. */
  labels: string[];
  /** Its rows: the gold targets (the labels, then any other target in order of first appearance). */
  golds: string[];
  /** confusion[row][column]: examples of gold golds[row] whose output was labels[column]; the last column: no label. */
  confusion: number[][];
  /** Outputs that are no label. */
  invalid: number;
  /** The most frequent of them with their counts, most frequent first (ties: first seen first). */
  invalidExamples: { text: string; count: number }[];
  /** Labels no example's output was. */
  neverPredicted: string[];
}

/**
 * Counts `outputs` (one per example, as generated) against `golds`. An output is valid when, trimmed,
 * it is one of `labels`; with `labelMap` (a prompt evaluated on another task's data) the labels are
 * the map's keys and a valid output counts as the gold label it maps to.
 */
export function checkLabels(outputs: readonly string[], golds: readonly string[], labels: readonly string[], labelMap?: LabelMap): LabelChecks {
  if (outputs.length !== golds.length) throw new Error(`checkLabels: ${outputs.length} outputs for ${golds.length} gold targets.`);
  const valid = new Set((labelMap ? [...labelMap.keys()] : labels).map((l) => l.trim()));
  const columns = [...new Set(labelMap ? [...labelMap.values()] : labels.map((l) => l.trim()))];
  const rows = [...new Set([...columns, ...golds.map((g) => g.trim())])];
  const confusion = rows.map(() => Array<number>(columns.length + 1).fill(0));
  const invalidTexts = new Map<string, number>();
  outputs.forEach((raw, i) => {
    const out = raw.trim();
    const row = rows.indexOf(golds[i].trim());
    if (!valid.has(out)) {
      confusion[row][columns.length]++;
      invalidTexts.set(out, (invalidTexts.get(out) ?? 0) + 1);
      return;
    }
    confusion[row][columns.indexOf(labelMap?.get(out) ?? out)]++;
  });
  const produced = (c: number) => confusion.some((r) => r[c] > 0);
  return {
    labels: columns,
    golds: rows,
    confusion,
    invalid: [...invalidTexts.values()].reduce((a, b) => a + b, 0),
    // A stable sort keeps first-seen order among equal counts.
    invalidExamples: [...invalidTexts].map(([text, count]) => ({ text, count })).sort((a, b) => b.count - a.count).slice(0, INVALID_EXAMPLES),
    neverPredicted: columns.filter((_, c) => !produced(c)),
  };
}
