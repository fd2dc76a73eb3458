// The hub settings, read from the same environment variables as Python's huggingface_hub so both
// share one cache and one configuration: HF_HOME, HF_HUB_CACHE (legacy HUGGINGFACE_HUB_CACHE),
// HF_ENDPOINT, HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE), HF_TOKEN (or the token file that
// `huggingface-cli login` writes to $HF_HOME/token, or HF_TOKEN_PATH), and the two timeouts.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { HubError } from './errors';

export type Env = Record<string, string | undefined>;

export interface HubSettings {
  endpoint: string; // no trailing slash
  cacheDir: string; // HF_HUB_CACHE
  offline: boolean;
  token?: string;
  /** Seconds to wait for metadata (HEAD / API) answers. */
  etagTimeout: number;
  /** Seconds a download may stall before it is retried. */
  downloadTimeout: number;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const TRUE_VALUES = new Set(['1', 'ON', 'YES', 'TRUE']);

function isTrue(v: string | undefined): boolean {
  return v !== undefined && TRUE_VALUES.has(v.toUpperCase());
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

function seconds(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}="${raw}" is not a positive number of seconds.`);
  return v;
}

export function hfHome(env: Env = process.env): string {
  return expandHome(env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface'));
}

export function hubCacheDir(env: Env = process.env): string {
  return expandHome(env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome(env), 'hub'));
}

function readToken(env: Env): string | undefined {
  const fromEnv = (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || '').trim();
  if (fromEnv) return fromEnv;
  const file = expandHome(env.HF_TOKEN_PATH || join(hfHome(env), 'token'));
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined; // an unreadable token file is the same as none
  }
}

/** localhost, 127.0.0.0/8 and ::1: plain http there never leaves the machine. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/**
 * HF_ENDPOINT as a URL the token may be sent to: https, or plain http on this machine only (a token
 * sent over http to another host can be read on the way). Credentials written into the URL are
 * refused without being repeated: they would appear in every message that names the endpoint.
 */
export function checkEndpoint(raw: string): string {
  const where = 'HF_ENDPOINT';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HubError('bad-endpoint', `${where} is not a URL; set it to the hub's address, e.g. ${DEFAULT_ENDPOINT}, or unset it.`);
  }
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
    throw new HubError('bad-endpoint', `${where} holds a user name or password (${url.origin} with credentials); remove them from the URL and put the access token in HF_TOKEN instead.`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new HubError(
      'bad-endpoint',
      `${where}=${url.origin} uses plain http to another machine, where HF_TOKEN and the downloads could be read or changed on the way; use https://${url.host}, or http only for a hub on this machine (localhost).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HubError('bad-endpoint', `${where}=${url.origin} is not an http(s) address; use e.g. ${DEFAULT_ENDPOINT}.`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

export function readHubSettings(env: Env = process.env): HubSettings {
  return {
    endpoint: checkEndpoint(env.HF_ENDPOINT || DEFAULT_ENDPOINT),
    cacheDir: hubCacheDir(env),
    offline: isTrue(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE),
    token: readToken(env),
    etagTimeout: seconds(env, 'HF_HUB_ETAG_TIMEOUT', 10),
    downloadTimeout: seconds(env, 'HF_HUB_DOWNLOAD_TIMEOUT', 10),
  };
}
