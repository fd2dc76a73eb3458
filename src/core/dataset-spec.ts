// A Hugging Face hub dataset wherever a data file is taken (--train, --valid, eval's --data, the
// panel, the worker): `hf:org/name[:config][@revision][#split]`, e.g. `hf:nyu-mll/glue:rte#validation`.
// Without `#split` each place reads its own: train the "train" split, validation and evaluation the
// "validation" split (GLUE-style test splits hide their labels). Free of Node, so the settings
// schema (bundled into the panel) checks these values too.
import { DEFAULT_REVISION, isRevision, repoIdProblem } from './repo-spec';

export const HUB_DATASET_PREFIX = 'hf:';

/** Where a data setting is read: each has its default split. */
export type DataRole = 'train' | 'valid' | 'eval';
export const DEFAULT_SPLIT: Readonly<Record<DataRole, string>> = { train: 'train', valid: 'validation', eval: 'validation' };

export interface HubDatasetSpec {
  repo: string;
  /** The dataset's configuration (subset), e.g. `rte` of GLUE; absent: the default one. */
  config?: string;
  revision: string;
  /** Absent: the role's default (DEFAULT_SPLIT). */
  split?: string;
}

export const HUB_DATASET_FORM = 'hf:org/name[:config][@revision][#split]';
// The names `datasets` accepts for configs and splits.
const CONFIG = /^[\w.-]+$/;
const SPLIT = /^\w+(\.\w+)*$/;

export function isHubDataset(value: string): boolean {
  return value.trim().startsWith(HUB_DATASET_PREFIX);
}

/** Parses an `hf:` value; throws an Error saying which part is wrong. */
export function parseHubDataset(value: string): HubDatasetSpec {
  const parsed = parse(value);
  if (typeof parsed === 'string') throw new Error(`"${value}" is not a hub dataset (${HUB_DATASET_FORM}, e.g. hf:nyu-mll/glue:rte#validation): ${parsed}.`);
  return parsed;
}

/** Why an `hf:` value is not a hub dataset, or undefined when it is one. */
export function hubDatasetProblem(value: string): string | undefined {
  const parsed = parse(value);
  return typeof parsed === 'string' ? parsed : undefined;
}

function parse(value: string): HubDatasetSpec | string {
  const body = value.trim().slice(HUB_DATASET_PREFIX.length);
  const hash = body.lastIndexOf('#');
  const split = hash < 0 ? undefined : body.slice(hash + 1);
  const rest = hash < 0 ? body : body.slice(0, hash);
  const at = rest.indexOf('@');
  const revision = at < 0 ? DEFAULT_REVISION : rest.slice(at + 1);
  const id = at < 0 ? rest : rest.slice(0, at);
  const colon = id.indexOf(':');
  const repo = colon < 0 ? id : id.slice(0, colon);
  const config = colon < 0 ? undefined : id.slice(colon + 1);
  const repoProblem = repoIdProblem(repo);
  if (repoProblem !== undefined) return `the dataset id ${repo === '' ? 'is missing' : `"${repo}" is not valid: ${repoProblem}`}`;
  if (config !== undefined && !CONFIG.test(config)) return `the config "${config}" may hold letters, digits, "_", "-" and "." only`;
  if (!isRevision(revision)) return `the revision "${revision}" is not a branch, tag or commit name`;
  if (split !== undefined && !SPLIT.test(split)) return `the split "${split}" may hold letters, digits, "_" and "." only`;
  return { repo, revision, ...(config !== undefined ? { config } : {}), ...(split !== undefined ? { split } : {}) };
}

/** The canonical text of a spec with its split, for messages and labels: `hf:org/name:config@rev#split`. */
export function describeHubDataset(spec: HubDatasetSpec, split: string): string {
  const config = spec.config === undefined ? '' : `:${spec.config}`;
  const revision = spec.revision === DEFAULT_REVISION ? '' : `@${spec.revision}`;
  return `${HUB_DATASET_PREFIX}${spec.repo}${config}${revision}#${split}`;
}
