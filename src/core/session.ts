// A session: a model loaded on the selected backend with its tokenizer and identity, from a folder
// or (once the hub module registers its resolver) a hub id. Cached per folder: the worker keeps one
// per model across requests. The trainer (training/) and the playground (playground.ts) open them.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { selectBackend, type BackendInfo, type BackendRequest } from './backend';
import type { Precision } from './precision';
import { loadT5 } from './t5/load';
import type { T5Model } from './t5/model';
import { T5Tokenizer } from './tokenizer';
import { modelIdentity, type ModelIdentity } from './prompt';

export interface Session {
  model: T5Model;
  tokenizer: T5Tokenizer;
  identity: ModelIdentity;
  /** The model as the user named it (hub id or folder). */
  name: string;
  dir: string;
  backend: BackendInfo;
}

export interface OpenOptions {
  backend?: BackendRequest;
  precision?: Precision;
  onWarning?: (message: string) => void;
}

/** Turns a model spec (folder, or hub id resolved by the hub module) into a local folder. */
export type ModelResolver = (spec: string) => Promise<string>;

let resolver: ModelResolver = async (spec) => {
  throw new Error(`${spec}: no such folder. Give the path of a folder with config.json, model.safetensors and spiece.model.`);
};

/** The hub module registers itself here so the engine stays free of network code. */
export function setModelResolver(r: ModelResolver): void {
  resolver = r;
}

export async function resolveModelDir(spec: string): Promise<string> {
  const local = resolve(spec);
  if (existsSync(local) && statSync(local).isDirectory()) return local;
  return resolver(spec);
}

const sessions = new Map<string, Session>();

export async function openSession(spec: string, opts: OpenOptions = {}): Promise<Session> {
  const backend = await selectBackend(opts.backend, opts.precision);
  const dir = await resolveModelDir(spec);
  const cached = sessions.get(dir);
  if (cached) return cached;
  const model = await loadT5(dir, { onWarning: opts.onWarning });
  let tokenizer: T5Tokenizer;
  try {
    tokenizer = await T5Tokenizer.load(dir);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const session = { model, tokenizer, identity: modelIdentity(model, spec), name: spec, dir, backend };
  sessions.set(dir, session);
  return session;
}
