// Label maps for zero-shot transfer (§5 of the paper: a prompt tuned on QQP evaluated on MRPC and
// back): `entailment=duplicate,not_entailment=not_duplicate` says which of the prompt's labels means
// which of the data's labels. The prompt still ranks (or generates) its own labels; what it answers
// is read in the data's terms.
import { DataSpecError } from './errors';
import { parsePairs } from './pairs';

/** The prompt's label -> the data's label, in the order written. */
export type LabelMap = ReadonlyMap<string, string>;

export const LABEL_MAP_EXAMPLE = 'entailment=duplicate,not_entailment=not_duplicate';

/** Parses `prompt_label=data_label` pairs; `setting` names the map in errors (`--label-map`, `Label map`). */
export function parseLabelMap(source: string, setting = '--label-map'): Map<string, string> {
  return parsePairs(source, { setting, from: 'prompt label', to: 'data label', example: LABEL_MAP_EXAMPLE });
}

/**
 * Refuses a map that does not cover the prompt's labels exactly: an unmapped label could never be
 * right, and a key that is no label of the prompt is a typo.
 */
export function checkLabelMap(map: LabelMap, promptLabels: readonly string[], setting = '--label-map'): void {
  const known = promptLabels.map((l) => JSON.stringify(l)).join(', ');
  const entries = [...map.keys()];
  const stray = entries.findIndex((key) => !promptLabels.includes(key));
  if (stray >= 0) {
    throw new DataSpecError(setting, `entry ${stray + 1} maps ${JSON.stringify(entries[stray])}, which is not one of the prompt's labels (${known}); map each of those to a label of the data`);
  }
  const missing = promptLabels.filter((l) => !map.has(l));
  if (missing.length > 0) {
    throw new DataSpecError(setting, `the prompt's label${missing.length > 1 ? 's' : ''} ${missing.map((l) => JSON.stringify(l)).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no entry; add ${missing.map((l) => `${l}=<data label>`).join(',')}`);
  }
}

/** The answer in the data's terms: without a map as it is; with one, a prompt label mapped, anything else undefined (it is no label). */
export function mapAnswer(map: LabelMap | undefined, answer: string): string | undefined {
  return map ? map.get(answer) : answer;
}
