// resolveModel(spec): a local checkpoint folder as it is, or a hub id `org/name[@revision]` made
// available in the huggingface_hub cache and returned as its snapshot folder. A revision whose
// snapshot in the cache is complete is used without any request (pass `refresh` to ask the hub for
// the revision's current commit first); HF_HUB_OFFLINE=1 never asks the hub.
import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { RepoCache, linkBlob, tagCacheDir } from './cache';
import { hubCacheDir, readHubSettings, type Env } from './env';
import { HubError } from './errors';
import { blobOptions, fetchFiles, type RetryOptions } from './fetch-files';
import { downloadBlob, fileMetadata, type FileMetadata, type HubContext } from './file-download';
import { OPTIONAL_FILES, TOKENIZER_FILES, WEIGHT_FILES, chooseFiles, missingFiles, shardsOf, CONFIG_FILE } from './model-files';
import type { DownloadListener } from './progress';
import { fetchRepoInfo } from './repo-info';
import { parseRepoSpec } from '../repo-spec';

export interface ResolveOptions extends RetryOptions {
  onEvent?: DownloadListener;
  signal?: AbortSignal;
  /** Environment to read HF_* settings from (default process.env). */
  env?: Env;
  /** Ask the hub which commit the revision points to now, even when the cache has a snapshot. */
  refresh?: boolean;
}

export interface ResolvedModel {
  /** The folder to load: the local folder, or snapshots/<commit> in the hub cache. */
  dir: string;
  repo?: string;
  revision?: string;
  commit?: string;
  /** True when a hub model was found complete in the cache and nothing was downloaded. */
  fromCache: boolean;
}

/** A local folder path → itself; `org/name[@revision]` → the snapshot folder in the hub cache. */
export async function resolveModel(spec: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const trimmed = spec.trim();
  if (existsSync(trimmed)) {
    if (!statSync(trimmed).isDirectory()) {
      throw new HubError('bad-spec', `${trimmed} is a file; pass the folder that holds config.json and the weights.`);
    }
    return { dir: resolvePath(trimmed), fromCache: false };
  }
  const looksLikePath = /^[.~/]|\\|^[A-Za-z]:/.test(trimmed) || trimmed.split('/').length > 2;
  const parsed = looksLikePath ? undefined : parseRepoSpec(trimmed);
  if (!parsed) {
    throw new HubError(
      'bad-spec',
      looksLikePath
        ? `Model folder ${trimmed} does not exist. Pass a folder holding config.json and the weights, or a hub id such as google/flan-t5-base.`
        : `"${trimmed}" is neither an existing folder nor a hub model id. Use org/name or org/name@revision (e.g. google/flan-t5-base@main).`,
    );
  }
  return downloadModel(parsed.repo, parsed.revision, opts);
}

/** The complete cached snapshot of `repo` at `revision`, if there is one. */
export function findCachedModel(repo: string, revision = 'main', env?: Env): { dir: string; commit: string } | undefined {
  return cachedSnapshot(new RepoCache(hubCacheDir(env), repo), revision);
}

function cachedSnapshot(cache: RepoCache, revision: string): { dir: string; commit: string } | undefined {
  const commit = cache.commitFor(revision);
  if (!commit) return undefined;
  const dir = cache.snapshotDir(commit);
  return existsSync(dir) && missingFiles(dir).length === 0 ? { dir, commit } : undefined;
}

/** Downloads what a T5 needs from `repo` at `revision` into the cache (reusing what is there). */
export async function downloadModel(repo: string, revision: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const settings = readHubSettings(opts.env);
  const emit = opts.onEvent ?? (() => undefined);
  const cache = new RepoCache(settings.cacheDir, repo);
  const started = Date.now();
  const cached = cachedSnapshot(cache, revision);
  const fromCache = (hit: { dir: string; commit: string }): ResolvedModel => {
    emit({ type: 'cache-hit', repo, revision, commit: hit.commit, dir: hit.dir });
    emit({ type: 'done', repo, revision, commit: hit.commit, dir: hit.dir, fromCache: true, downloadedBytes: 0, seconds: (Date.now() - started) / 1000 });
    return { dir: hit.dir, repo, revision, commit: hit.commit, fromCache: true };
  };
  if (cached && (!opts.refresh || settings.offline)) return fromCache(cached);
  if (settings.offline) {
    throw new HubError(
      'offline',
      `HF_HUB_OFFLINE is set and ${repo}@${revision} is not complete in the cache (${cache.root}). ` +
        `Unset HF_HUB_OFFLINE to download it, or pass a local model folder.` +
        (existsSync(cache.root) ? ` Missing: ${describeMissing(cache, revision)}.` : ''),
    );
  }
  try {
    return await downloadOnline({ repo, revision, settings, signal: opts.signal }, cache, opts, emit, started);
  } catch (err) {
    if (cached && err instanceof HubError && err.code === 'network') {
      emit({ type: 'note', message: `${settings.endpoint} is unreachable; using the cached ${repo}@${revision}.` });
      return fromCache(cached);
    }
    throw err;
  }
}

function describeMissing(cache: RepoCache, revision: string): string {
  const commit = cache.commitFor(revision);
  if (!commit) return `no refs/${revision} (the revision was never downloaded)`;
  return existsSync(cache.snapshotDir(commit)) ? missingFiles(cache.snapshotDir(commit)).join(', ') : `the snapshot ${commit}`;
}

interface RepoListing {
  commit: string;
  present: Set<string>;
  /** Metadata already fetched while probing (no API). */
  known: Map<string, FileMetadata>;
}

/** The revision's commit and file names, from the hub API (or, for a mirror without it, HEAD probes). */
async function listRepo(ctx: HubContext): Promise<RepoListing> {
  const info = await fetchRepoInfo(ctx);
  return info ? { commit: info.commit, present: info.files, known: new Map() } : probeRepo(ctx);
}

async function probeRepo(ctx: HubContext): Promise<RepoListing> {
  const config = await fileMetadata(ctx, ctx.revision, CONFIG_FILE);
  const known = new Map([[CONFIG_FILE, config]]);
  const firstOf = async (names: readonly string[]) => {
    for (const name of names) {
      try {
        known.set(name, await fileMetadata(ctx, config.commit, name));
        return;
      } catch (err) {
        if (!(err instanceof HubError && err.code === 'file-not-found')) throw err;
      }
    }
  };
  await firstOf(WEIGHT_FILES);
  await firstOf(TOKENIZER_FILES);
  for (const optional of OPTIONAL_FILES) await firstOf([optional]);
  return { commit: config.commit, present: new Set(known.keys()), known };
}

async function downloadOnline(ctx: HubContext, cache: RepoCache, opts: ResolveOptions, emit: DownloadListener, started: number): Promise<ResolvedModel> {
  const { repo, revision, settings } = ctx;
  const label = `${repo}@${revision}`;
  const listing = await listRepo(ctx);
  const { commit } = listing;
  tagCacheDir(settings.cacheDir);
  cache.writeRef(revision, commit);
  const choice = chooseFiles(listing.present, label);
  for (const message of choice.notes) emit({ type: 'note', message });
  const meta = async (file: string) => listing.known.get(file) ?? fileMetadata(ctx, commit, file);

  // Sharded weights: the index names the shards, so it comes first.
  let files = choice.files;
  let fetchedIndex = false;
  if (choice.index) {
    const pointer = cache.pointerPath(commit, choice.index);
    if (!existsSync(pointer)) {
      const m = await meta(choice.index);
      await downloadBlob(cache, m, blobOptions(ctx, opts, emit, choice.index, () => undefined));
      linkBlob(cache.blobPath(m.etag), pointer);
      emit({ type: 'file-done', file: choice.index, size: statSync(pointer).size, cached: false });
      fetchedIndex = true;
    }
    files = [...files.filter((f) => f !== choice.index), ...shardsOf(pointer, label)];
  }
  const { fetched, newBytes } = await fetchFiles(ctx, cache, commit, files, meta, opts, emit);
  const dir = cache.snapshotDir(commit);
  const missing = missingFiles(dir);
  if (missing.length > 0 && choice.notes.length === 0) {
    throw new HubError('bad-response', `${label} was downloaded to ${dir}, but ${missing.join(', ')} is still missing.`);
  }
  const fromCache = fetched === 0 && !fetchedIndex;
  emit({ type: 'done', repo, revision, commit, dir, fromCache, downloadedBytes: newBytes, seconds: (Date.now() - started) / 1000 });
  return { dir, repo, revision, commit, fromCache };
}

