// Reads what the sidebar and the hover need from a saved prompt folder without loading the engine:
// our prompt-tuner.json (model, length, labels, metrics, nearest pieces) or PEFT's adapter_config.json.
// No vscode import: unit-tested directly.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { METRICS, type Metric } from '../../core/engine-names';
import { METRIC_LABELS, scoredMetric, type PromptTokenInsight } from '../../worker/protocol';

export const METADATA_FILE = 'prompt-tuner.json';
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';

export interface SavedPrompt {
  dir: string;
  /** Display name: the run folder for <run>/prompt, else the folder's own name. */
  name: string;
  source: 'prompt-tuner' | 'peft';
  model: string;
  promptLength: number;
  dModel?: number;
  labels?: string[];
  /** The run's metric (run-metric.ts) at its best step. */
  metric?: { name: string; value: number; step: number };
  /** The nearest-vocabulary snapshot saved with the prompt (top 5 per token). */
  nearest?: PromptTokenInsight[];
}

type Json = Record<string, unknown>;

function readJson(file: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function displayName(dir: string): string {
  return basename(dir) === 'prompt' ? basename(dirname(dir)) : basename(dir);
}

function bestMetric(m: Json): SavedPrompt['metric'] {
  if (!Array.isArray(m.metrics)) return undefined;
  const training = (m.training ?? {}) as Json;
  const points = m.metrics as Json[];
  const withMetric = points.filter((p) => typeof p.rankAccuracy === 'number' || typeof p.exactMatch === 'number');
  const best = withMetric.find((p) => p.step === training.bestStep) ?? withMetric[withMetric.length - 1];
  if (!best) return undefined;
  const numberOr = (x: unknown) => (typeof x === 'number' ? x : undefined);
  const scores = { exactMatch: numberOr(best.exactMatch) ?? 0, rankAccuracy: numberOr(best.rankAccuracy), f1: numberOr(best.f1), macroF1: numberOr(best.macroF1), groupExactMatch: numberOr(best.groupExactMatch), answerF1: numberOr(best.answerF1), answerExactMatch: numberOr(best.answerExactMatch) };
  // Prompts saved before the metric was recorded selected by rank accuracy (exact match without labels).
  const runMetric = (METRICS as readonly unknown[]).includes(training.metric) ? (training.metric as Metric) : 'rank';
  const { metric, score } = scoredMetric(runMetric, scores);
  return { name: METRIC_LABELS[metric], value: score, step: best.step as number };
}

/** The prompt in folder `dir`, or undefined when it holds no readable prompt metadata. */
export function readSavedPrompt(dir: string): SavedPrompt | undefined {
  const ours = existsSync(join(dir, METADATA_FILE)) ? readJson(join(dir, METADATA_FILE)) : undefined;
  if (ours && typeof ours.baseModel === 'string' && typeof ours.promptLength === 'number') {
    return {
      dir,
      name: displayName(dir),
      source: 'prompt-tuner',
      model: ours.baseModel,
      promptLength: ours.promptLength,
      dModel: typeof ours.dModel === 'number' ? ours.dModel : undefined,
      labels: Array.isArray(ours.labels) ? ours.labels.filter((l): l is string => typeof l === 'string') : undefined,
      metric: bestMetric(ours),
      nearest: Array.isArray(ours.nearest) ? (ours.nearest as PromptTokenInsight[]) : undefined,
    };
  }
  const peft = existsSync(join(dir, ADAPTER_CONFIG_FILE)) ? readJson(join(dir, ADAPTER_CONFIG_FILE)) : undefined;
  if (peft && peft.peft_type === 'PROMPT_TUNING' && typeof peft.num_virtual_tokens === 'number') {
    return {
      dir,
      name: displayName(dir),
      source: 'peft',
      model: typeof peft.base_model_name_or_path === 'string' ? peft.base_model_name_or_path : '',
      promptLength: peft.num_virtual_tokens,
      dModel: typeof peft.token_dim === 'number' ? peft.token_dim : undefined,
    };
  }
  return undefined;
}

export function describeMetric(metric: SavedPrompt['metric']): string {
  return metric ? `${metric.name} ${(metric.value * 100).toFixed(1)}%` : '';
}
