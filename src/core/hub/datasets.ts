// resolveDataset(spec, split): the files of a hub dataset's config and split, made available in the
// huggingface_hub cache (datasets--org--name/, beside the models) and returned as snapshot paths.
// Online, the hub API lists the revision's files (one small request) and only the split's files are
// fetched, reusing what the cache holds. A repo without data files of its own (a loading script)
// is read from the hub's Parquet conversion, the refs/convert/parquet revision. Offline
// (HF_HUB_OFFLINE=1, or the hub unreachable) the cached snapshot's files are chosen the same way.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { RepoCache, tagCacheDir } from './cache';
import { convertedSplitFiles, hasDataFiles, missingShards, repoSplitFiles } from './dataset-files';
import { readHubSettings, type HubSettings } from './env';
import { HubError } from './errors';
import { fetchFiles } from './fetch-files';
import { fileMetadata, type FileMetadata, type HubContext } from './file-download';
import { fetchRepoInfo } from './repo-info';
import type { ResolveOptions } from './resolve';
import { DEFAULT_REVISION } from '../repo-spec';
import { describeHubDataset, type HubDatasetSpec } from '../dataset-spec';
import { describeBytes } from '../io/file-access';
import { MAX_DATA_FILE_BYTES } from '../training/data/limits';

/** The branch where the hub keeps every dataset converted to Parquet. */
const PARQUET_REVISION = 'refs/convert/parquet';

export interface ResolvedDataset {
  /** `hf:org/name[:config][@revision]#split`, for messages. */
  label: string;
  /** The split's files in the cache's snapshot folder, in order. */
  files: string[];
  /** The revision the files came from: the one asked for, or refs/convert/parquet. */
  revision: string;
  commit: string;
  fromCache: boolean;
}

export async function resolveDataset(spec: HubDatasetSpec, split: string, opts: Omit<ResolveOptions, 'refresh'> = {}): Promise<ResolvedDataset> {
  const settings = readHubSettings(opts.env);
  const cache = new RepoCache(settings.cacheDir, spec.repo, 'dataset');
  const label = describeHubDataset(spec, split);
  const emit = opts.onEvent ?? (() => undefined);
  if (settings.offline) return fromCache(cache, spec, split, label, 'HF_HUB_OFFLINE is set');
  try {
    return await online(spec, split, label, settings, cache, opts);
  } catch (err) {
    if (!(err instanceof HubError && err.code === 'network')) throw err;
    const cached = tryFromCache(cache, spec, split, label);
    if (!cached) throw err;
    emit({ type: 'note', message: `${settings.endpoint} is unreachable; using the cached ${label}.` });
    return cached;
  }
}

async function online(spec: HubDatasetSpec, split: string, label: string, settings: HubSettings, cache: RepoCache, opts: Omit<ResolveOptions, 'refresh'>): Promise<ResolvedDataset> {
  const emit = opts.onEvent ?? (() => undefined);
  const started = Date.now();
  const listing = async (revision: string) => {
    const ctx: HubContext = { repo: spec.repo, repoType: 'dataset', revision, settings, signal: opts.signal };
    const info = await fetchRepoInfo(ctx);
    if (!info) throw new HubError('bad-response', `${settings.endpoint} has no hub API (/api/datasets/...), which datasets need to list their files. Check HF_ENDPOINT.`);
    tagCacheDir(settings.cacheDir);
    cache.writeRef(revision, info.commit);
    return { ctx, info };
  };
  let { ctx, info } = await listing(spec.revision);
  let files: string[];
  if (spec.revision === PARQUET_REVISION) files = convertedSplitFiles(info.files, spec, split);
  else if (hasDataFiles(info.files, spec.repo)) files = repoSplitFiles(info.files, spec, split);
  else if (spec.revision === DEFAULT_REVISION) {
    emit({ type: 'note', message: `${spec.repo} has no data files of its own (a loading script?); reading the hub's Parquet conversion (${PARQUET_REVISION}).` });
    ({ ctx, info } = await listing(PARQUET_REVISION));
    files = convertedSplitFiles(info.files, spec, split);
  } else {
    throw new HubError('file-not-found', `${label}: revision ${spec.revision} has no data files (.parquet, .csv, .tsv, .jsonl). Its Parquet conversion exists for the main branch only: use ${describeHubDataset({ ...spec, revision: PARQUET_REVISION }, split)}.`);
  }
  const { commit } = info;
  // The split's size before any byte of it is fetched: a split too large to train on is refused here, not after gigabytes.
  const known = new Map<string, FileMetadata>();
  let bytes = 0;
  for (const file of files) {
    const pointer = cache.pointerPath(commit, file);
    if (existsSync(pointer)) bytes += statSync(pointer).size;
    else {
      const m = await fileMetadata(ctx, commit, file);
      known.set(file, m);
      bytes += m.size ?? 0;
    }
  }
  if (bytes > MAX_DATA_FILE_BYTES) {
    throw new HubError(
      'too-large',
      `${label} is ${describeBytes(bytes)} in ${files.length} files, more than the ${describeBytes(MAX_DATA_FILE_BYTES)} a data set may have. Prompt tuning needs thousands of examples, not millions: use a smaller split or config, or a sample saved as a local file.`,
    );
  }
  const meta = async (file: string) => known.get(file) ?? fileMetadata(ctx, commit, file);
  const { fetched, newBytes } = await fetchFiles(ctx, cache, commit, files, meta, opts, emit);
  const dir = cache.snapshotDir(commit);
  emit({ type: 'done', repo: spec.repo, revision: ctx.revision, commit, dir, fromCache: fetched === 0, downloadedBytes: newBytes, seconds: (Date.now() - started) / 1000 });
  return { label, files: files.map((f) => cache.pointerPath(commit, f)), revision: ctx.revision, commit, fromCache: fetched === 0 };
}

/** The split from the cache, or undefined when the cache does not hold all of it. */
function tryFromCache(cache: RepoCache, spec: HubDatasetSpec, split: string, label: string): ResolvedDataset | undefined {
  try {
    return fromCache(cache, spec, split, label, 'the hub is unreachable');
  } catch (err) {
    if (err instanceof HubError && err.code === 'offline') return undefined;
    throw err;
  }
}

function fromCache(cache: RepoCache, spec: HubDatasetSpec, split: string, label: string, why: string): ResolvedDataset {
  const revisions = spec.revision === DEFAULT_REVISION ? [DEFAULT_REVISION, PARQUET_REVISION] : [spec.revision];
  for (const revision of revisions) {
    const commit = cache.commitFor(revision);
    const files = commit === undefined ? [] : snapshotFiles(cache.snapshotDir(commit));
    const converted = revision === PARQUET_REVISION;
    if (commit === undefined || !(converted ? files.some((f) => f.endsWith('.parquet')) : hasDataFiles(files, spec.repo))) continue;
    let chosen: string[];
    try {
      chosen = converted ? convertedSplitFiles(files, spec, split) : repoSplitFiles(files, spec, split);
    } catch (err) {
      // The cache holds what was downloaded: other splits or configs, not this one.
      if (err instanceof HubError && err.code === 'file-not-found') throw offline(cache, label, why, ` What it holds: ${err.message}`);
      throw err;
    }
    const missing = missingShards(chosen);
    if (missing.length > 0) throw offline(cache, label, why, ` Missing: ${missing.join(', ')}.`);
    return { label, files: chosen.map((f) => cache.pointerPath(commit, f)), revision, commit, fromCache: true };
  }
  throw offline(cache, label, why, '');
}

function offline(cache: RepoCache, label: string, why: string, detail: string): HubError {
  return new HubError('offline', `${why} and ${label} is not in the cache (${cache.root}).${detail} Unset HF_HUB_OFFLINE (and connect) to download it, or pass a local data file.`);
}

/** The files under a snapshot folder, as repo paths (a/b.parquet). */
function snapshotFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}
