// Files of one commit of a repo into the cache: what the snapshot or blobs/ already holds is linked,
// the rest is downloaded blob by blob (resumable, checked), with plan / progress / file-done events.
// Models (resolve.ts) and datasets (datasets.ts) both come in through here.
import { existsSync, statSync } from 'node:fs';
import { linkBlob, type RepoCache } from './cache';
import { HubError } from './errors';
import { downloadBlob, type BlobDownloadOptions, type FileMetadata, type HubContext } from './file-download';
import { SpeedMeter, etaSeconds, type DownloadListener, type PlannedFile } from './progress';

export interface RetryOptions {
  /** Retries after a dropped connection, per file (default 5; the count restarts when bytes arrive). */
  maxRetries?: number;
  /** Wait before retry n is n times this (default 1000 ms). */
  retryDelayMs?: number;
}

const PROGRESS_INTERVAL_MS = 100;

/** The download options of one file, its start and retries reported through `emit`. */
export function blobOptions(ctx: HubContext, opts: RetryOptions, emit: DownloadListener, file: string, onBytes: (n: number) => void): BlobDownloadOptions {
  return {
    settings: ctx.settings,
    repo: ctx.repo,
    signal: ctx.signal,
    maxRetries: opts.maxRetries ?? 5,
    retryDelayMs: opts.retryDelayMs ?? 1000,
    onBytes,
    onStart: (resumeFrom) => emit({ type: 'file-start', file, size: null, resumeFrom }),
    onRetry: (attempt, reason, resumeFrom) => emit({ type: 'retry', file, attempt, reason, resumeFrom }),
  };
}

export interface FetchResult {
  /** Files whose bytes were not in the cache. */
  fetched: number;
  /** Bytes that came over the network (resumed bytes not counted). */
  newBytes: number;
}

/** Makes snapshots/<commit>/<file> exist for each of `files`; `meta` gives a file's metadata (HEAD). */
export async function fetchFiles(
  ctx: HubContext,
  cache: RepoCache,
  commit: string,
  files: readonly string[],
  meta: (file: string) => Promise<FileMetadata>,
  opts: RetryOptions,
  emit: DownloadListener,
): Promise<FetchResult> {
  const { repo, revision, settings } = ctx;
  // Plan: what is already in the snapshot or in blobs/, and what must be fetched.
  const planned: PlannedFile[] = [];
  const toFetch: FileMetadata[] = [];
  for (const file of files) {
    const pointer = cache.pointerPath(commit, file);
    if (existsSync(pointer)) {
      planned.push({ file, size: statSync(pointer).size, cached: true });
      continue;
    }
    const m = await meta(file);
    if (m.commit !== commit) throw new HubError('bad-response', `${settings.endpoint} answered for commit ${m.commit} while ${repo}@${revision} is ${commit}; try again.`);
    if (existsSync(cache.blobPath(m.etag))) {
      linkBlob(cache.blobPath(m.etag), pointer);
      planned.push({ file, size: m.size, cached: true });
    } else {
      planned.push({ file, size: m.size, cached: false });
      toFetch.push(m);
    }
  }
  const totalBytes = toFetch.reduce((sum, m) => sum + (m.size ?? 0), 0);
  emit({ type: 'plan', repo, revision, commit, files: planned, downloadBytes: totalBytes });
  for (const p of planned) if (p.cached) emit({ type: 'file-done', file: p.file, size: p.size ?? 0, cached: true });

  const meter = new SpeedMeter();
  let doneBefore = 0;
  let lastEmit = 0;
  let newBytes = 0;
  for (const m of toFetch) {
    let startedAt = 0;
    const report = (fileBytes: number, force: boolean) => {
      const bytes = doneBefore + fileBytes;
      const speed = meter.update(bytes);
      const now = Date.now();
      if (!force && now - lastEmit < PROGRESS_INTERVAL_MS) return;
      lastEmit = now;
      emit({ type: 'progress', file: m.file, fileBytes, fileSize: m.size, bytes, totalBytes, bytesPerSecond: speed, etaSeconds: etaSeconds(Math.max(0, totalBytes - bytes), speed) });
    };
    await downloadBlob(cache, m, {
      ...blobOptions(ctx, opts, emit, m.file, (n) => report(n, false)),
      onStart: (resumeFrom) => {
        startedAt = resumeFrom;
        emit({ type: 'file-start', file: m.file, size: m.size, resumeFrom });
        meter.update(doneBefore + resumeFrom);
      },
    });
    const size = statSync(cache.blobPath(m.etag)).size;
    report(size, true);
    newBytes += size - startedAt;
    linkBlob(cache.blobPath(m.etag), cache.pointerPath(commit, m.file));
    doneBefore += m.size ?? size;
    emit({ type: 'file-done', file: m.file, size, cached: false });
  }
  return { fetched: toFetch.length, newBytes };
}
