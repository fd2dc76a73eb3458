// One file of a repo into the cache, as huggingface_hub's hf_hub_download does it: a HEAD request
// on resolve/<revision>/<file> gives the commit (X-Repo-Commit), the blob's ETag (X-Linked-Etag for
// LFS files: their sha256) and size (X-Linked-Size), and the download location (the CDN redirect).
// The bytes go to blobs/<etag>.incomplete, which a later attempt resumes with an HTTP Range request;
// the finished file is checked against the ETag (sha256 for LFS files, the git blob sha1 otherwise)
// and its size before it is renamed to blobs/<etag> and linked from snapshots/<commit>/<file>.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { dirname } from 'node:path';
import type { HubSettings } from './env';
import { HubError, redact } from './errors';
import { cancelledError, hubRequest, httpError, isNetworkFailure, networkError, type HubResponse } from './http';
import type { RepoCache } from './cache';
import { repoPath, type RepoType } from './repo-type';

export interface FileMetadata {
  file: string;
  commit: string;
  /** blobs/<etag>: the sha256 for LFS files, the git blob sha1 for others. */
  etag: string;
  size: number | null;
  /** Where to GET the bytes (the CDN address for LFS files). */
  location: string;
  lfs: boolean;
}

export interface HubContext {
  repo: string;
  /** Default: model. */
  repoType?: RepoType;
  revision: string;
  settings: HubSettings;
  signal?: AbortSignal;
}

export function resolveUrl(ctx: HubContext, revision: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${ctx.settings.endpoint}/${repoPath(ctx.repoType ?? 'model', ctx.repo)}/resolve/${encodeURIComponent(revision)}/${path}`;
}

function header(res: HubResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function normalizeEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
}

function intOrNull(v: string | undefined): number | null {
  const n = v === undefined ? NaN : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** HEAD resolve/<revision>/<file>: where the file is and what it is. */
export async function fileMetadata(ctx: HubContext, revision: string, file: string): Promise<FileMetadata> {
  const { settings } = ctx;
  let res: HubResponse;
  try {
    res = await hubRequest(resolveUrl(ctx, revision, file), { method: 'HEAD', redirects: 'same-origin', timeoutSeconds: settings.etagTimeout, signal: ctx.signal }, settings.token);
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw networkError(err, settings, ctx.repoType);
  }
  res.body.resume();
  if (res.status >= 400) throw httpError(res, { repo: ctx.repo, repoType: ctx.repoType, revision, file, settings });
  const commit = header(res, 'x-repo-commit');
  const etag = normalizeEtag(header(res, 'x-linked-etag') ?? header(res, 'etag'));
  if (!commit || !etag) {
    throw new HubError('bad-response', `${res.url} did not send ${commit ? 'an ETag' : 'X-Repo-Commit'}: ${settings.endpoint} does not answer like a Hugging Face hub. Check HF_ENDPOINT and any proxy.`);
  }
  const redirected = res.status >= 300 && res.status < 400;
  const location = redirected ? new URL(header(res, 'location') ?? '', res.url).href : res.url;
  const size = intOrNull(header(res, 'x-linked-size')) ?? (redirected ? null : intOrNull(header(res, 'content-length')));
  return { file, commit, etag, size, location, lfs: header(res, 'x-linked-etag') !== undefined };
}

export interface BlobDownloadOptions {
  settings: HubSettings;
  repo: string;
  signal?: AbortSignal;
  /** Retries after a dropped connection; the count restarts whenever the file grows past its largest size so far. */
  maxRetries: number;
  retryDelayMs: number;
  /** The file's byte count so far (including resumed bytes). */
  onBytes(fileBytes: number): void;
  onStart(resumeFrom: number): void;
  onRetry(attempt: number, reason: string, resumeFrom: number): void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

async function hashFile(hash: Hash, path: string, end?: number): Promise<void> {
  if (end === 0) return;
  for await (const chunk of createReadStream(path, end === undefined ? {} : { end: end - 1 })) hash.update(chunk as Buffer);
}

async function gitBlobSha1(path: string): Promise<string> {
  const hash = createHash('sha1').update(`blob ${statSync(path).size}\0`);
  await hashFile(hash, path);
  return hash.digest('hex');
}

const SHA256 = /^[0-9a-f]{64}$/;
const SHA1 = /^[0-9a-f]{40}$/;
const inFlight = new Map<string, Promise<void>>();

/** Makes blobs/<etag> exist with the right bytes (no-op when it already does). */
export function downloadBlob(cache: RepoCache, meta: FileMetadata, opts: BlobDownloadOptions): Promise<void> {
  const blob = cache.blobPath(meta.etag);
  const running = inFlight.get(blob);
  if (running) return running;
  const job = downloadBlobOnce(blob, meta, opts, cache.type).finally(() => inFlight.delete(blob));
  inFlight.set(blob, job);
  return job;
}

async function downloadBlobOnce(blob: string, meta: FileMetadata, opts: BlobDownloadOptions, repoType: RepoType): Promise<void> {
  if (existsSync(blob)) return;
  const { settings, signal } = opts;
  const incomplete = `${blob}.incomplete`;
  mkdirSync(dirname(blob), { recursive: true });
  const streamSha256 = SHA256.test(meta.etag);
  // The token goes to the hub only, never to the CDN a file is served from.
  const token = new URL(meta.location).origin === new URL(settings.endpoint).origin ? settings.token : undefined;
  let failures = 0;
  // The most bytes the file has held: a connection that brings bytes but leaves the file no longer
  // (a server ignoring Range that drops again at the same place) is not progress.
  let largest = 0;
  let started = false;
  let verified = false;
  for (;;) {
    if (signal?.aborted) throw cancelledError();
    let have = sizeOf(incomplete);
    if (meta.size !== null && have > meta.size) {
      rmSync(incomplete, { force: true });
      have = 0;
    }
    if (!started) {
      opts.onStart(have);
      started = true;
    }
    if (meta.size !== null && have === meta.size) break;
    const hash = streamSha256 ? createHash('sha256') : undefined;
    let received = 0;
    try {
      const res = await hubRequest(
        meta.location,
        { method: 'GET', headers: have > 0 ? { range: `bytes=${have}-` } : {}, redirects: 'all', timeoutSeconds: settings.downloadTimeout, signal },
        token,
      );
      if (res.status === 416 && have > 0) {
        // The server cannot serve the rest: start over.
        res.body.resume();
        rmSync(incomplete, { force: true });
        continue;
      }
      if (res.status >= 400) throw httpError(res, { repo: opts.repo, repoType, revision: meta.commit, file: meta.file, settings });
      const contentRange = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      const resumed = have > 0 && res.status === 206 && contentRange !== null && Number(contentRange[1]) === have;
      if (!resumed) have = 0; // a 200 answer (Range ignored) carries the whole file
      if (hash && resumed) await hashFile(hash, incomplete, have);
      // Flowing mode with synchronous writes: every byte that arrived is on disk even when the
      // connection then breaks (an async iterator would drop what it had buffered).
      const fd = openSync(incomplete, resumed ? 'a' : 'w');
      try {
        res.body.on('data', (bytes: Buffer) => {
          try {
            writeSync(fd, bytes);
            hash?.update(bytes);
            received += bytes.length;
            opts.onBytes(have + received);
          } catch (err) {
            // A full disk (or a throwing listener) ends this download instead of the process.
            res.body.destroy(err as Error);
          }
        });
        await finished(res.body);
      } finally {
        closeSync(fd);
      }
      const got = have + received;
      if (meta.size !== null && got < meta.size) throw Object.assign(new Error(`connection closed after ${got} of ${meta.size} bytes`), { code: 'ECONNRESET' });
      await verify(incomplete, meta, opts.repo, hash);
      verified = true;
      break;
    } catch (err) {
      if (signal?.aborted) throw cancelledError();
      if (err instanceof HubError && err.code !== 'http') throw err;
      const transient = isNetworkFailure(err) || (err instanceof HubError && err.code === 'http');
      if (!transient) throw err;
      const progressed = have + received > largest;
      largest = Math.max(largest, have + received);
      failures = progressed ? 1 : failures + 1;
      const reason = redact((err as Error).message, settings.token);
      const now = sizeOf(incomplete);
      if (failures > opts.maxRetries) {
        if (err instanceof HubError) throw err;
        if (received === 0 && now === 0) throw networkError(err, settings, repoType);
        throw new HubError(
          'network',
          `Downloading ${meta.file} of ${opts.repo} failed after ${now} bytes (${reason}). Run the download again: it resumes from there. ` +
            `On a slow connection, raise HF_HUB_DOWNLOAD_TIMEOUT (seconds, now ${settings.downloadTimeout}); to work without the network, set HF_HUB_OFFLINE=1 or pass a local ${repoType === 'model' ? 'model folder' : 'data file'}.`,
        );
      }
      opts.onRetry(failures, reason, now);
      await sleep(opts.retryDelayMs * failures, signal);
    }
  }
  // Complete from an earlier run: check it before trusting it.
  if (!verified) await verify(incomplete, meta, opts.repo, undefined);
  renameSync(incomplete, blob);
}

/** Size and hash against the hub's metadata; a mismatch deletes the file and fails. */
async function verify(path: string, meta: FileMetadata, repo: string, streamed: Hash | undefined): Promise<void> {
  const size = statSync(path).size;
  const fail = (what: string): never => {
    rmSync(path, { force: true });
    throw new HubError('checksum', `${meta.file} of ${repo}: ${what}. The damaged download was deleted; run the download again. If this repeats, the server (HF_ENDPOINT) is serving a different file than it announces.`);
  };
  if (meta.size !== null && size !== meta.size) fail(`downloaded ${size} bytes but the hub announced ${meta.size}`);
  if (SHA256.test(meta.etag)) {
    const hash = streamed ?? createHash('sha256');
    if (!streamed) await hashFile(hash, path);
    const got = hash.digest('hex');
    if (got !== meta.etag) fail(`sha256 of the downloaded bytes is ${got}, but the hub says ${meta.etag}`);
  } else if (SHA1.test(meta.etag) && !meta.lfs) {
    const got = await gitBlobSha1(path);
    if (got !== meta.etag) fail(`git blob sha1 of the downloaded bytes is ${got}, but the hub says ${meta.etag}`);
  }
}
