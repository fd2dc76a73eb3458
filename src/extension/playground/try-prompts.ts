// The playground's Try: an input through the frozen model alone and with each chosen prompt (or
// their ensemble). One batched pass needs prompts of one model and one length, so the prompts are
// tried per length (each group one mixed-prompt pass) and the outputs joined into one row per input;
// the ensemble's vote is taken here over all the members' answers: on their rank-classified labels
// when the prompts have labels, else on the generated strings (core/prompt/vote.ts). A label map
// reads the prompts' labels as another task's (the worker parses it). No vscode import: unit-tested directly.
import { basename } from 'node:path';
import type { BackendRequest } from '../../core/engine-names';
import { ensembleVote } from '../../core/vote';
import type { TryRequest, TryResult } from '../../worker/protocol';
import type { SavedPrompt } from '../prompts/saved-prompt';

export interface TryAsk {
  input: string;
  /** Prompt folders; none tries the model alone. */
  prompts: readonly string[];
  ensemble: boolean;
  /** The prompts' labels as the data's, e.g. entailment=duplicate,not_entailment=not_duplicate; blank: none. */
  labelMap?: string;
  /** The selected run's model: used when no chosen prompt names one. */
  runModel?: string;
  /** The promptTuner.model setting: the last resort. */
  settingModel: string;
  backend: BackendRequest;
}

/** The worker requests that answer `ask`, in order (the first one also runs the model alone). */
export function tryRequests(ask: TryAsk, find: (dir: string) => Pick<SavedPrompt, 'model' | 'promptLength'> | undefined): TryRequest[] {
  const saved = ask.prompts.map((dir) => find(dir));
  const models = [...new Set(saved.map((p) => p?.model).filter((m): m is string => !!m))];
  if (models.length > 1) throw new Error(`The chosen prompts were trained for different models (${models.map((m) => basename(m)).join(', ')}); choose prompts of one model.`);
  const model = models[0] ?? ask.runModel ?? ask.settingModel;
  // A prompt whose folder cannot be read has no known length: tried on its own (the worker says what is wrong).
  const groups = new Map<number, string[]>();
  ask.prompts.forEach((dir, i) => {
    const length = saved[i]?.promptLength ?? 0;
    groups.set(length, [...(groups.get(length) ?? []), dir]);
  });
  const labelMap = ask.labelMap?.trim();
  const parts = groups.size === 0 ? [[]] : [...groups.values()];
  // The vote is taken over all groups' answers (joinTryResults), so no request votes by itself.
  return parts.map((group, i) => ({ model, prompts: group, ensemble: false, inputs: [ask.input], ...(labelMap ? { labelMap } : {}), includeBare: i === 0, backend: ask.backend }));
}

/** One result per input: the first answer's (with the bare model) and every prompt's outputs after it; with `ensemble`, their vote. */
export function joinTryResults(answers: readonly TryResult[][], ensemble = false): TryResult[] {
  const [first, ...rest] = answers;
  return (first ?? []).map((r, i) => {
    const outputs = [...r.outputs, ...rest.flatMap((more) => more[i]?.outputs ?? [])];
    return { ...r, outputs, ...(ensemble && outputs.length > 1 ? { ensemble: ensembleVote(outputs) } : {}) };
  });
}

/** Sends the requests one after another (one worker, one model loaded) and joins their answers. */
export async function tryPrompts(ask: TryAsk, find: Parameters<typeof tryRequests>[1], send: (request: TryRequest) => Promise<TryResult[]>): Promise<TryResult[]> {
  const answers: TryResult[][] = [];
  for (const request of tryRequests(ask, find)) answers.push(await send(request));
  return joinTryResults(answers, ask.ensemble);
}
