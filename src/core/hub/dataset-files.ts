// Which files of a dataset repo hold a config's split, by the naming conventions of HF `datasets`
// (data_files.py; README `configs:` metadata is not read):
//   1. data/<split>-00000-of-00003.parquet ...        (push_to_hub's shards; any split name)
//   2. a folder named for the split: train/..., dev/..., my-test-2/...
//   3. a file named for the split: train.csv, data/validation-1.jsonl, x_test.parquet
//   4. otherwise every data file is the train split
// A folder or file "named for" a split holds one of its keywords, alone or between "-._ 0-9"
// (validation: validation, valid, dev, val; test: test, testing, eval, evaluation). A config of a
// repo laid out as <config>/<files> is that folder. The hub's Parquet conversion
// (refs/convert/parquet) has its own layout: <config>/<split>/0000.parquet, or the older
// <config>/<name>-<split>[-00000-of-00002].parquet.
import { HubError } from './errors';
import { describeHubDataset, type HubDatasetSpec } from '../dataset-spec';

/** The data files the engine reads (training/data: formats.ts, parquet.ts). */
const DATA_FILE = /\.(parquet|csv|tsv|jsonl|json)$/i;

const SPLIT_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  train: ['train', 'training'],
  validation: ['validation', 'valid', 'dev', 'val'],
  test: ['test', 'testing', 'eval', 'evaluation'],
};
const SEP = '[-._ 0-9]';
const SHARDED = /^data\/(\w+(?:\.\w+)*)-\d{5}-of-\d{5}[^/]*\.[^/]*$/;

const keywordRegex = (split: string, dir: boolean) => {
  const words = (SPLIT_KEYWORDS[split] ?? []).join('|');
  return new RegExp(dir ? `^(?:.*${SEP})?(?:${words})(?:${SEP}.*)?$` : `^(?:.*${SEP})?(?:${words})${SEP}.*$`);
};
const IN_DIR = Object.fromEntries(Object.keys(SPLIT_KEYWORDS).map((s) => [s, keywordRegex(s, true)]));
const IN_NAME = Object.fromEntries(Object.keys(SPLIT_KEYWORDS).map((s) => [s, keywordRegex(s, false)]));

/** What `datasets` writes beside the data (dataset_infos.json of scripted datasets, save_to_disk's state). */
const METADATA = /(^|\/)(dataset_infos?|dataset_dict|state)\.json$/;

/** Hidden files and folders (".git...", "__pycache__") and metadata are never data, as in `datasets`. */
function isDataFile(path: string): boolean {
  return DATA_FILE.test(path) && !METADATA.test(path) && !path.split('/').some((part) => part.startsWith('.') || part.startsWith('__'));
}

/** Whether the repo holds its data itself: data files, and no loading script (<name>.py), which the hub's Parquet conversion runs instead. */
export function hasDataFiles(files: Iterable<string>, repo: string): boolean {
  const all = [...files];
  return !all.includes(`${repo.split('/').pop() ?? repo}.py`) && all.some(isDataFile);
}

/** Each split's files under one of the conventions 1-4, the first that finds any. */
function splitsByConvention(paths: readonly string[]): Map<string, string[]> {
  const collect = (splitOf: (path: string) => string[]): Map<string, string[]> => {
    const splits = new Map<string, string[]>();
    for (const path of paths) for (const split of splitOf(path)) splits.set(split, [...(splits.get(split) ?? []), path]);
    return splits;
  };
  const layers: ((path: string) => string[])[] = [
    (path) => {
      const m = SHARDED.exec(path);
      return m ? [m[1] as string] : [];
    },
    (path) => Object.keys(IN_DIR).filter((split) => path.split('/').slice(0, -1).some((dir) => IN_DIR[split]?.test(dir))),
    (path) => Object.keys(IN_NAME).filter((split) => IN_NAME[split]?.test(path.split('/').pop() ?? '')),
    () => ['train'],
  ];
  for (const layer of layers) {
    const splits = collect(layer);
    if (splits.size > 0) return splits;
  }
  return new Map();
}

function pick(splits: Map<string, string[]>, spec: HubDatasetSpec, split: string, where: string): string[] {
  const files = splits.get(split);
  if (files) return [...files].sort();
  const known = [...splits.keys()].sort();
  throw new HubError(
    'file-not-found',
    `${describeHubDataset(spec, split)} has no "${split}" split${where} (${known.length > 0 ? `splits: ${known.join(', ')}` : 'no data files'}). Name one after "#", e.g. ${describeHubDataset(spec, known[0] ?? 'train')}.`,
  );
}

function severalConfigs(spec: HubDatasetSpec, split: string, configs: readonly string[]): HubError {
  return new HubError(
    'file-not-found',
    `${describeHubDataset(spec, split)} has several configurations (${configs.join(', ') || 'none'}): name one after ":", e.g. ${describeHubDataset({ ...spec, config: configs[0] ?? 'default' }, split)}.`,
  );
}

/**
 * The files of `split` among a repo's own files. Without a config, files spread over several
 * top-level folders are several configs (as GLUE's <config>/<split>-*.parquet): one must be named.
 */
export function repoSplitFiles(files: Iterable<string>, spec: HubDatasetSpec, split: string): string[] {
  const data = [...files].filter(isDataFile);
  const { config } = spec;
  if (config !== undefined) {
    const inConfig = data.filter((f) => f.startsWith(`${config}/`));
    if (inConfig.length === 0) throw noConfig(spec, split, folders(data));
    const relative = inConfig.map((f) => f.slice(config.length + 1));
    return pick(splitsByConvention(relative), spec, split, ` in ${config}/`).map((f) => `${config}/${f}`);
  }
  const chosen = pick(splitsByConvention(data), spec, split, '');
  const tops = folders(chosen).filter((top) => top !== 'data');
  if (tops.length > 1) throw severalConfigs(spec, split, tops);
  return chosen;
}

/** The files of config/split in the hub's Parquet conversion (refs/convert/parquet). */
export function convertedSplitFiles(files: Iterable<string>, spec: HubDatasetSpec, split: string): string[] {
  const parquet = [...files].filter((f) => f.endsWith('.parquet') && f.split('/').length >= 2);
  const configs = folders(parquet);
  const chosen = spec.config ?? (configs.includes('default') ? 'default' : configs.length === 1 ? configs[0] : undefined);
  if (chosen === undefined) throw severalConfigs(spec, split, configs);
  if (!configs.includes(chosen)) throw noConfig(spec, split, configs);
  const name = spec.repo.split('/').pop() ?? spec.repo;
  const splits = new Map<string, string[]>();
  for (const f of parquet.filter((p) => p.startsWith(`${chosen}/`))) {
    const parts = f.split('/');
    // <config>/<split>/0000.parquet (a "partial-<split>" folder holds the first rows of a very large split),
    // or <config>/<name>-<split>[-00000-of-00002].parquet
    const base = (parts[1] as string).replace(/\.parquet$/, '').replace(/-\d{5}-of-\d{5}$/, '');
    const s = parts.length === 3 ? base.replace(/^partial-/, '') : base.startsWith(`${name}-`) ? base.slice(name.length + 1) : undefined;
    if (s !== undefined && parts.length <= 3) splits.set(s, [...(splits.get(s) ?? []), f]);
  }
  return pick(splits, { ...spec, config: chosen }, split, ` in the Parquet conversion's ${chosen}/`);
}

/** Shards named -00000-of-00003 that are missing from `files` (a cache that holds only some of them). */
export function missingShards(files: readonly string[]): string[] {
  const missing: string[] = [];
  for (const f of files) {
    const m = /^(.*-)(\d{5})-of-(\d{5})([^/]*)$/.exec(f);
    if (!m) continue;
    const [, head, , total, tail] = m as unknown as [string, string, string, string, string];
    for (let i = 0; i < Number(total); i++) {
      const shard = `${head}${String(i).padStart(5, '0')}-of-${total}${tail}`;
      if (!files.includes(shard) && !missing.includes(shard)) missing.push(shard);
    }
  }
  return missing;
}

function folders(files: readonly string[]): string[] {
  return [...new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0] as string))].sort();
}

function noConfig(spec: HubDatasetSpec, split: string, configs: readonly string[]): HubError {
  const known = configs.length > 0 ? ` (configurations: ${configs.join(', ')})` : '';
  return new HubError('file-not-found', `${describeHubDataset(spec, split)}: the dataset has no configuration "${spec.config}"${known}. Check the part after ":".`);
}
