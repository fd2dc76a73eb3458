// HTTP with node:http/https, as huggingface_hub talks to the hub: metadata requests follow only
// redirects that stay on the same origin (a renamed repo) and stop at a redirect to a CDN, whose
// headers carry the file's metadata; downloads follow every redirect but drop the Authorization
// header once they leave the hub's origin. Errors become HubErrors that say what to do.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HubError, redact } from './errors';
import type { HubSettings } from './env';
import { repoPath, type RepoType } from './repo-type';

export interface HubResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered (after the redirects that were followed). */
  url: string;
  body: IncomingMessage;
}

export interface RequestOptions {
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** 'same-origin' returns a redirect to another origin (or an LFS redirect) instead of following it; 'all' follows every redirect. */
  redirects: 'same-origin' | 'all';
  timeoutSeconds: number;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 10;
const USER_AGENT = `prompt-tuner/0.1 (node/${process.versions.node})`;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

export function cancelledError(): HubError {
  return new HubError('cancelled', 'Download cancelled; the partial file is kept and the next download resumes it.');
}

export function isNetworkFailure(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && NETWORK_CODES.has(code);
}

export function networkError(err: unknown, settings: HubSettings, type: RepoType = 'model'): HubError {
  const code = (err as NodeJS.ErrnoException).code ?? redact((err as Error).message, settings.token);
  return new HubError(
    'network',
    `Cannot reach ${settings.endpoint} (${code}). Check the network connection (and HF_ENDPOINT if you use a mirror). ` +
      `To work without the network, set HF_HUB_OFFLINE=1 to use ${type}s already in the cache (${settings.cacheDir}), or pass a local ${type === 'model' ? 'model folder' : 'data file'} instead of a hub id.`,
  );
}

function send(url: URL, opts: RequestOptions, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    if (opts.signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: opts.method, headers, signal: opts.signal });
    let response: IncomingMessage | undefined;
    req.setTimeout(opts.timeoutSeconds * 1000, () => {
      const err = new Error(`no data from ${url.host} within ${opts.timeoutSeconds} s`) as NodeJS.ErrnoException;
      err.code = 'ETIMEDOUT';
      // The body's reader sees this error rather than a bare "aborted".
      response?.destroy(err);
      req.destroy(err);
    });
    req.on('response', (res) => {
      response = res;
      resolvePromise(res);
    });
    req.on('error', (err) => reject(opts.signal?.aborted ? cancelledError() : err));
    req.end();
  });
}

/** One request with the hub's headers; `token` is sent only to the origin of `url`. */
export async function hubRequest(url: string, opts: RequestOptions, token: string | undefined): Promise<HubResponse> {
  let current = new URL(url);
  const origin = current.origin;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...opts.headers };
    if (token && current.origin === origin) headers.authorization = `Bearer ${token}`;
    const res = await send(current, opts, headers);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      const target = new URL(location, current);
      // An LFS redirect carries the file's metadata itself (X-Linked-Etag): stop there even when
      // the storage shares the hub's origin, as huggingface_hub reads it from that answer.
      if (opts.redirects === 'same-origin' && (target.origin !== current.origin || res.headers['x-linked-etag'] !== undefined)) {
        return { status, headers: res.headers, url: current.href, body: res };
      }
      res.resume();
      current = target;
      continue;
    }
    return { status, headers: res.headers, url: current.href, body: res };
  }
  throw new HubError('bad-response', `Too many redirects while fetching ${url}.`);
}

export async function readBody(res: HubResponse, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.body.destroy();
      throw new HubError('bad-response', `${res.url} answered with more than ${limit} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface ErrorContext {
  repo: string;
  /** Default: model. */
  repoType?: RepoType;
  revision: string;
  /** The file asked for, when the request was for one file. */
  file?: string;
  settings: HubSettings;
}

const TOKEN_HELP = 'set HF_TOKEN to an access token with read permission (https://huggingface.co/settings/tokens)';

/** Maps a failed answer to a HubError, using the hub's X-Error-Code header when present. */
export function httpError(res: HubResponse, ctx: ErrorContext): HubError {
  res.body.resume();
  const code = String(res.headers['x-error-code'] ?? '');
  const serverMessage = String(res.headers['x-error-message'] ?? '');
  const { repo, revision, file, settings } = ctx;
  const type = ctx.repoType ?? 'model';
  const hasToken = settings.token !== undefined;
  const page = `${settings.endpoint}/${repoPath(type, repo)}`;
  if (code === 'RevisionNotFound') {
    return new HubError('revision-not-found', `${repo} has no revision "${revision}" (branch, tag or commit). Check the part after "@", or leave it out for "main".`);
  }
  if (code === 'EntryNotFound' || (res.status === 404 && file !== undefined && code !== 'RepoNotFound')) {
    return new HubError('file-not-found', `${file ?? 'A file'} is not in ${repo}@${revision}.`);
  }
  if (code === 'GatedRepo') {
    return new HubError(
      'gated',
      `${repo} is a gated ${type}: open ${page}, accept its license with your account, then ${TOKEN_HELP}.` +
        (hasToken ? ' HF_TOKEN is set, but its account has not been granted access yet (or the token lacks read permission).' : ''),
    );
  }
  if (res.status === 401 && serverMessage === 'Invalid credentials in Authorization header') {
    return new HubError('unauthorized', `${settings.endpoint} rejected HF_TOKEN as invalid (expired or revoked?). Create a new token at https://huggingface.co/settings/tokens and set HF_TOKEN to it, or unset HF_TOKEN for public ${type}s.`);
  }
  if (code === 'RepoNotFound' || res.status === 404) {
    return new HubError(
      'repo-not-found',
      `${repo} was not found on ${settings.endpoint}. Check the name (org/name, e.g. ${type === 'model' ? 'google/flan-t5-base' : 'nyu-mll/glue'}). If the ${type} is private or gated, ${TOKEN_HELP}` +
        (hasToken ? '; HF_TOKEN is set but does not give access to it.' : '.'),
    );
  }
  if (res.status === 401) {
    return new HubError(
      'unauthorized',
      `${settings.endpoint} refused access to ${repo} (401 Unauthorized). ` +
        (hasToken ? 'HF_TOKEN is set but was not accepted: check that it is valid and has read permission.' : `If the ${type} is private or gated, ${TOKEN_HELP}.`),
    );
  }
  if (res.status === 403) {
    return new HubError('forbidden', `Access to ${repo} is forbidden (403). If it is gated, open ${page}, accept its license, then ${TOKEN_HELP}.`);
  }
  if (res.status === 429) return new HubError('http', `${settings.endpoint} is rate-limiting requests (429). Wait a minute and try again.`);
  if (res.status >= 500) {
    return new HubError('http', `${settings.endpoint} failed with ${res.status}. Try again later, or set HF_HUB_OFFLINE=1 to use the ${type}s already in the cache.`);
  }
  return new HubError('http', `${res.url.split('?')[0]} answered ${res.status}${file ? ` for ${file}` : ''}.`);
}
