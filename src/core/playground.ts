// What users do with prompts outside training: try them on text (alone, without a prompt, or as an
// ensemble in one batched pass, §6; with a label map, read in another task's labels, §5) and
// inspect what each prompt token is near to (§7).
import type { BackendRequest } from './backend';
import { openSession } from './session';
import { ensemblePromptTensor, groupReplicated, insightsFor, loadPrompt, replicateExamples, type LoadedPrompt, type PromptTokenInsight } from './prompt';
import { ensembleVote, topLabel, type EnsembleVote } from './vote';
import { DEFAULTS } from './training/options';
import { rankCandidates } from './training/data/labels';
import { checkLabelMap, mapAnswer, parseLabelMap } from './training/data/label-map';

export interface PromptOutput {
  prompt: string;
  text: string;
  /** Summed log-probability of each label word (named in the data's terms with a label map). */
  labelScores?: Record<string, number>;
  /** The label rank classification gives: the highest-scoring one. */
  label?: string;
}

export interface TryResult {
  input: string;
  bare?: string; // the frozen model's output without any prompt
  outputs: PromptOutput[];
  ensemble?: EnsembleVote;
}

export interface TryRequest {
  model: string;
  prompts: string[];
  ensemble: boolean;
  inputs: string[];
  labels?: string[];
  /** The prompts' labels as another task's, as written: `entailment=duplicate,not_entailment=not_duplicate` (blank: none). */
  labelMap?: string;
  includeBare?: boolean; // default: true when no prompt is given or always for the playground
  maxNewTokens?: number;
  backend?: BackendRequest;
}

/**
 * Runs every input through the model with each prompt. All prompts go through ONE batched pass per
 * input batch: each input is replicated once per prompt and each copy carries its own prompt (§6).
 */
export async function tryPrompts(req: TryRequest): Promise<TryResult[]> {
  const labelMap = req.labelMap?.trim() ? parseLabelMap(req.labelMap, 'label map') : undefined;
  const s = await openSession(req.model, { backend: req.backend });
  const prompts = req.prompts.map((p) => loadPrompt(p, s.identity));
  // The labels ranked: given, else the prompts' own, else the ones the label map names.
  const labels = req.labels ?? (commonLabels(prompts).length > 0 ? commonLabels(prompts) : [...(labelMap?.keys() ?? [])]);
  if (labelMap) checkLabelMap(labelMap, labels, 'label map');
  const named = (label: string) => mapAnswer(labelMap, label) ?? label;
  // In the data's terms; prompt labels that the map joins (a=x,b=x) add up their probabilities.
  const namedScores = (row: number[]) => {
    const out: Record<string, number> = {};
    labels.forEach((l, c) => (out[named(l)] = out[named(l)] === undefined ? row[c] : logAddExp(out[named(l)], row[c])));
    return out;
  };
  const enc = s.tokenizer.encodeBatch(req.inputs, { maxLength: inputBudget(prompts, req.prompts) });
  const maxNewTokens = req.maxNewTokens ?? 16;
  const decode = (ids: number[]) => s.tokenizer.decode(ids.slice(1)).trim();
  const results: TryResult[] = req.inputs.map((input) => ({ input, outputs: [] }));
  if (req.includeBare ?? true) {
    const out = s.model.generate({ inputIds: enc.inputIds, attentionMask: enc.attentionMask, maxNewTokens });
    out.sequences.forEach((ids, i) => (results[i].bare = decode(ids)));
  }
  if (prompts.length > 0) {
    const n = prompts.length;
    const inputIds = replicateExamples(enc.inputIds, n);
    const attentionMask = replicateExamples(enc.attentionMask, n);
    const prompt = ensemblePromptTensor(prompts.map((p) => p.prompt), req.inputs.length);
    try {
      const texts = groupReplicated(s.model.generate({ inputIds, attentionMask, prompt, maxNewTokens }).sequences.map(decode), n);
      const encodeCut = (texts: string[], maxLength: number) => s.tokenizer.encodeBatch(texts, { maxLength, padding: 'none' }).inputIds;
      const candidates = labels.length > 0 ? rankCandidates(labels, encodeCut, DEFAULTS.maxTargetLength) : undefined;
      const scores = candidates ? groupReplicated(s.model.score({ inputIds, attentionMask, prompt, candidates }), n) : undefined;
      results.forEach((r, i) => {
        r.outputs = texts[i].map((text, j) => {
          if (!scores) return { prompt: req.prompts[j], text };
          const labelScores = namedScores(scores[i][j]);
          return { prompt: req.prompts[j], text, labelScores, label: topLabel(labelScores) };
        });
        if (req.ensemble && n > 1) r.ensemble = ensembleVote(r.outputs);
      });
    } finally {
      prompt.dispose();
    }
  }
  return results;
}

/** log(exp(a) + exp(b)) without overflow. */
function logAddExp(a: number, b: number): number {
  const hi = Math.max(a, b);
  return hi === -Infinity ? hi : hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/** Input tokens left beside the longest prompt; a prompt that leaves none is refused, naming it. */
function inputBudget(prompts: LoadedPrompt[], paths: string[]): number {
  const longest = prompts.reduce((best, p, i) => (p.prompt.k > (prompts[best]?.prompt.k ?? 0) ? i : best), 0);
  const k = prompts[longest]?.prompt.k ?? 0;
  const budget = DEFAULTS.maxInputLength - k;
  if (budget < 2) {
    throw new Error(
      `${paths[longest]}: this prompt has ${k} tokens, but the model reads at most ${DEFAULTS.maxInputLength} tokens with the prompt, ` +
        `which leaves no room for the input (at least 2 tokens: a word and eos). Use a prompt shorter than ${DEFAULTS.maxInputLength - 1} tokens.`,
    );
  }
  return budget;
}

function commonLabels(prompts: LoadedPrompt[]): string[] {
  const first = prompts[0]?.metadata?.labels;
  return first && prompts.every((p) => JSON.stringify(p.metadata?.labels) === JSON.stringify(first)) ? first : [];
}

export interface InspectRequest {
  model: string;
  prompt: string;
  top: number;
  backend?: BackendRequest;
}

/** Nearest vocabulary pieces, norm and drift of each prompt token. */
export async function inspectPrompt(req: InspectRequest): Promise<PromptTokenInsight[]> {
  const s = await openSession(req.model, { backend: req.backend });
  const loaded = loadPrompt(req.prompt, s.identity);
  const insights = insightsFor(s, loaded.prompt, { top: req.top, labels: loaded.metadata?.labels, initPieces: loaded.metadata?.initPieces });
  // The initial prompt is not saved; the drift recorded at save time is.
  const saved = loaded.metadata?.nearest;
  return saved ? insights.map((x) => ({ ...x, drift: saved[x.index]?.drift ?? x.drift })) : insights;
}
