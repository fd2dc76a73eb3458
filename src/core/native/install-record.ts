// How a native TensorFlow install is laid out on disk. An install root (the extension's
// <globalStorage>/native, the CLI's ~/.cache/prompt-tuner/native or --dir) holds one folder per
// installation — each its own npm project with package.json and node_modules — and active.json,
// naming the folder in use. A new installation goes into a new folder and becomes the active one
// only when active.json is rewritten (an atomic rename) after it loaded in a fresh process, so a
// failed or cancelled install never touches the working one.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic';
import type { BackendPreference } from '../engine-names';
import type { GpuAdapterReport } from '../webgpu/adapter';

/** The environment variable naming the install root (or one installation folder) to load TensorFlow.js from. */
export const NATIVE_DIR_ENV = 'PROMPT_TUNER_NATIVE_DIR';
export const ACTIVE_FILE = 'active.json';
/** The name in each installation folder's package.json: how a folder is recognised as one. */
export const INSTALL_PACKAGE_NAME = 'prompt-tuner-native';

export type NativeVariant = 'cpu' | 'gpu';
export const NATIVE_PACKAGES: Record<NativeVariant, string> = { cpu: '@tensorflow/tfjs-node', gpu: '@tensorflow/tfjs-node-gpu' };
/** Our backend name for each variant (what selectBackend takes). */
export const VARIANT_BACKEND: Record<NativeVariant, Extract<BackendPreference, 'node' | 'node-gpu'>> = { cpu: 'node', gpu: 'node-gpu' };

/** What loading a backend in a fresh process showed: plain JSON, crosses process boundaries. */
export interface BackendCheck {
  /** Our name of the backend that loaded (node-gpu, webgpu, node, wasm, cpu). */
  backend: BackendPreference;
  /** TensorFlow.js' name (tensorflow, wasm, cpu). */
  tfBackend: string;
  /** libtensorflow's version, for the tensorflow backend. */
  tfVersion?: string;
  /** The tensorflow backend runs on a GPU (binding.isUsingGpuDevice()). */
  gpu: boolean;
  /** Speed of one float32 matrix product, in GFLOP/s. */
  gflops: number;
  /** The product timed, e.g. "1024x512 @ 512x2048". */
  matmul: string;
  /** Where TensorFlow.js was loaded from: an installation folder, or "node_modules". */
  source: string;
  /** Seconds to load and initialise the backend. */
  loadSeconds: number;
  /** Why the native install the process was given is not used (TensorFlow.js then came from node_modules). */
  nativeProblem?: string;
  /** For webgpu: the adapter (vendor, architecture, limits). */
  adapter?: GpuAdapterReport;
}

export interface NativeInstallRecord {
  format: 1;
  /** The installation folder, relative to the install root. */
  folder: string;
  variant: NativeVariant;
  package: string;
  version: string;
  installedAt: string;
  /** The check that made it active. */
  check: BackendCheck;
}

export class NativeInstallError extends Error {}

/** The CLI's default install root: $PROMPT_TUNER_NATIVE_DIR, else the user's cache folder. */
export function defaultNativeDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env[NATIVE_DIR_ENV]) return env[NATIVE_DIR_ENV];
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'prompt-tuner', 'native');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'prompt-tuner', 'native');
}

/** active.json of an install root, or undefined when nothing was installed there. */
export function readActiveRecord(root: string): NativeInstallRecord | undefined {
  const file = join(root, ACTIVE_FILE);
  if (!existsSync(file)) return undefined;
  let record: Partial<NativeInstallRecord>;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as Partial<NativeInstallRecord>;
  } catch (err) {
    throw new NativeInstallError(`${file} is not valid JSON (${(err as Error).message}): set up the native backend again.`);
  }
  if (record.format !== 1 || typeof record.folder !== 'string' || typeof record.version !== 'string' || (record.variant !== 'cpu' && record.variant !== 'gpu')) {
    throw new NativeInstallError(`${file} is not a native install record of this Prompt Tuner: set up the native backend again.`);
  }
  return record as NativeInstallRecord;
}

export function writeActiveRecord(root: string, record: NativeInstallRecord): void {
  writeJsonAtomic(join(root, ACTIVE_FILE), record);
}

function isInstallFolder(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === INSTALL_PACKAGE_NAME;
  } catch {
    return false;
  }
}

/**
 * The installation folder `dir` stands for: the active one of an install root, or `dir` itself when
 * it is one installation folder (a fresh install is checked that way before it becomes active).
 * Undefined when nothing is installed there; throws NativeInstallError for a damaged install.
 */
export function locateInstall(dir: string): string | undefined {
  const record = readActiveRecord(dir);
  if (record) {
    const folder = join(dir, record.folder);
    if (!isInstallFolder(folder)) throw new NativeInstallError(`The native install ${folder} named in ${join(dir, ACTIVE_FILE)} is missing or damaged: set up the native backend again.`);
    return folder;
  }
  return isInstallFolder(dir) ? dir : undefined;
}

/** The version of an npm package installed in `folder`, or undefined. */
export function installedVersion(folder: string, pkg: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(folder, 'node_modules', ...pkg.split('/'), 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * The version of @tensorflow/tfjs-core that code at `from` (a file) loads: the engine's own, which a
 * native install must match exactly. Read from its package.json; TF.js itself is not loaded.
 */
export function tfjsCoreVersion(from: string): string {
  const file = createRequire(from).resolve('@tensorflow/tfjs-core/package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
