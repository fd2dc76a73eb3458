// Examples -> token ids, once per run: inputs cut to the model's budget (the prompt's k positions
// included), targets with eos; what was cut is counted and reported, never hidden.
import type { T5Tokenizer } from '../tokenizer';
import type { Example } from './data/dataset';

export interface EncodedExample {
  inputIds: number[]; // with eos
  targetIds: number[]; // with eos
  target: string;
  /** The example's group, for metrics over groups (MultiRC's EM per question). */
  group?: string;
  /** Every gold answer, for SQuAD's F1 and EM over them (ReCoRD). */
  answers?: string[];
}

export interface EncodedSet {
  examples: EncodedExample[];
  truncatedInputs: number;
  truncatedTargets: number;
}

export function encodeExamples(examples: readonly Example[], tok: T5Tokenizer, maxInputTokens: number, maxTargetTokens: number): EncodedSet {
  if (maxInputTokens < 2) throw new Error(`The input budget (${maxInputTokens} tokens after the prompt) is too small; raise --max-input-length or shorten the prompt.`);
  const inputs = tok.encodeBatch(examples.map((e) => e.input), { maxLength: maxInputTokens, padding: 'none' });
  const targets = tok.encodeBatch(examples.map((e) => e.target), { maxLength: maxTargetTokens, padding: 'none' });
  return {
    examples: examples.map((e, i) => ({ inputIds: inputs.inputIds[i], targetIds: targets.inputIds[i], target: e.target, ...(e.group !== undefined ? { group: e.group } : {}), ...(e.answers !== undefined ? { answers: e.answers } : {}) })),
    truncatedInputs: inputs.truncated,
    truncatedTargets: targets.truncated,
  };
}

export interface PaddedBatch {
  inputIds: number[][];
  attentionMask: number[][];
  labels: number[][]; // -100 past each target
}

/** Pads to the longest row of this batch (not of the data set): short batches stay cheap. */
export function padBatch(rows: readonly EncodedExample[], padId: number): PaddedBatch {
  const inLen = Math.max(...rows.map((r) => r.inputIds.length));
  const outLen = Math.max(...rows.map((r) => r.targetIds.length));
  return {
    inputIds: rows.map((r) => [...r.inputIds, ...Array(inLen - r.inputIds.length).fill(padId)]),
    attentionMask: rows.map((r) => [...Array(r.inputIds.length).fill(1), ...Array(inLen - r.inputIds.length).fill(0)]),
    labels: rows.map((r) => [...r.targetIds, ...Array(outLen - r.targetIds.length).fill(-100)]),
  };
}
