// The frozen model's score with a hand-written text prompt (and a few shots) in front of each input,
// on a run's own validation data: the prompt-design row of a sweep, beside the tuned prompts.
import { openSession } from '../session';
import { loadData } from './data/source';
import { labelSet, splitValidation, type Example } from './data/dataset';
import { withTextPrompt } from './data/text-prompt';
import { MAX_RANK_LABELS } from './data/labels';
import { encodeExamples } from './encode';
import { evaluate } from './evaluate';
import { metricValue } from './run-metric';
import { runDataSpec, type RunOptions } from './options';

export interface TextPromptResult {
  text: string;
  shots: number;
  /** The run's metric (run-metric.ts) on its validation examples. */
  metric: number;
  n: number;
  /** The first validation input as the model reads it. */
  exampleInput: string;
}

/**
 * Evaluates `text` (and the first `shots` training examples) in front of each validation input of
 * a run with these settings: its --valid data, or the share the run holds out (the same split, so
 * the shots are never validation examples).
 */
export async function evaluateTextPrompt(opts: RunOptions, text: string, shots: number): Promise<TextPromptResult> {
  const s = await openSession(opts.model, { backend: opts.backend, precision: opts.precision });
  const spec = runDataSpec(opts);
  let train: Example[] = (await loadData(opts.train, 'train', spec)).examples;
  let valid: Example[];
  if (opts.valid) valid = (await loadData(opts.valid, 'valid', spec)).examples;
  else ({ train, valid } = splitValidation(train, opts.validFraction, opts.seed));
  if (shots > train.length) throw new Error(`--shots ${shots}: the training data has only ${train.length} examples to take shots from.`);
  const distinct = labelSet([...train, ...valid]);
  const labels = opts.labels ?? (distinct.length <= MAX_RANK_LABELS ? distinct : undefined);
  const prompted = withTextPrompt(valid, text, train.slice(0, shots));
  const enc = encodeExamples(prompted, s.tokenizer, opts.maxInputLength, opts.maxTargetLength);
  const r = evaluate(s.model, s.tokenizer, undefined, enc.examples, { batchSize: opts.batchSize, labels, maxTargetLength: opts.maxTargetLength, metric: opts.metric });
  const metric = metricValue(opts.metric, r);
  return { text, shots, metric, n: r.n, exampleInput: prompted[0].input };
}
