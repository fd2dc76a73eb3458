// Loads all of TensorFlow.js from a native install folder. This must run before anything requires
// @tensorflow/tfjs-core (the worker and the CLI import it first), and it never loads TF.js itself.
//
// Why: @tensorflow/tfjs-node registers its 'tensorflow' backend on the tfjs-core instance *it*
// requires. The engine must see that very instance; two copies of tfjs-core in one process each have
// their own engine and Tensor class, so the backend would be missing from the engine's registry and
// `instanceof Tensor` would fail across them. Node resolves `@tensorflow/tfjs-core` relative to the
// requiring file, so tfjs-node (in the install folder) and the engine (in the extension or the CLI)
// would get different copies. So every `@tensorflow/<package>` request is resolved from one place.
//
// Which place: the install folder, for every @tensorflow package it holds. It is a complete tree that
// npm resolved around tfjs-node: tfjs-node's own dependencies (the @tensorflow/tfjs union, layers,
// converter, data...) exist only there, while the extension's node_modules is pruned to the files
// the engine loads (.vscodeignore) and may lack what tfjs-node reaches for. The engine needs only
// tfjs-core's public API, and the install's tfjs-core is the very version the engine was built with
// (the installer pins it, and adoptNativeInstall refuses an install of another version). Packages the
// install lacks (tfjs-backend-wasm) still come from the engine's own node_modules, and their
// requests for tfjs-core land on the install's copy too: one tfjs-core per process.
//
// NODE_PATH cannot do this (it is consulted only after node_modules lookups fail), hence the hook on
// Module._resolveFilename. ESM `import()` does not pass through it, so backend.ts uses require.
import Module from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installedVersion, locateInstall, NATIVE_DIR_ENV, NativeInstallError, tfjsCoreVersion } from './install-record';

type ResolveFilename = (this: unknown, request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
const TFJS_REQUEST = /^@tensorflow\/([^/]+)/;

export interface NativeInstallState {
  /** The installation folder TensorFlow.js packages are loaded from. */
  folder?: string;
  /** Why a configured install is not used (the native backends report it when skipped). */
  problem?: string;
}

let state: NativeInstallState = {};
let hooked = false;

/** The install this process loads TensorFlow.js from, if any, or why not. */
export function nativeInstallState(): NativeInstallState {
  return state;
}

/** Sends every @tensorflow/* request for a package the folder holds to the folder's copy. */
function hookResolution(folder: string): void {
  const scope = join(folder, 'node_modules', '@tensorflow');
  const held = new Set(existsSync(scope) ? readdirSync(scope) : []);
  const loader = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = loader._resolveFilename;
  loader._resolveFilename = function (request, parent, isMain, options) {
    const pkg = TFJS_REQUEST.exec(request)?.[1];
    if (pkg !== undefined && held.has(pkg)) return original.call(this, request, parent, isMain, { paths: [folder] });
    return original.call(this, request, parent, isMain, options);
  };
}

/**
 * Uses the native install at `dir` (an install root or one installation folder) for this process.
 * Never throws: an unusable install is recorded as the problem and the process keeps its own TF.js
 * (then wasm or cpu run). Call it once, before tfjs-core is first required.
 */
export function adoptNativeInstall(dir: string | undefined, engineVersion: () => string = () => tfjsCoreVersion(__filename)): NativeInstallState {
  if (hooked) throw new Error('adoptNativeInstall: TensorFlow.js resolution is already set for this process');
  if (!dir) return state;
  try {
    const folder = locateInstall(dir);
    if (!folder) return state;
    const wanted = engineVersion();
    const have = installedVersion(folder, '@tensorflow/tfjs-core');
    if (have !== wanted) {
      state = {
        problem: `the native install ${folder} has TensorFlow.js ${have ?? '(none)'} but this Prompt Tuner uses ${wanted}: set up the native backend again`,
      };
      return state;
    }
    hookResolution(folder);
    hooked = true;
    state = { folder };
  } catch (err) {
    state = { problem: err instanceof NativeInstallError ? err.message : `the native install in ${dir} could not be read: ${(err as Error).message}` };
  }
  return state;
}

/** adoptNativeInstall for the folder in PROMPT_TUNER_NATIVE_DIR (how the extension hands it to its worker). */
export function adoptNativeInstallFromEnv(env: NodeJS.ProcessEnv = process.env): NativeInstallState {
  return adoptNativeInstall(env[NATIVE_DIR_ENV] || undefined);
}
