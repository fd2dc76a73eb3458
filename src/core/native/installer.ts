// Installs the native TensorFlow backend with the user's npm, shared by "Set Up Native Backend" and
// `prompt-tune backend install`. Each attempt goes into a new folder of the install root; it becomes
// the active install (active.json, rewritten atomically) only after it loaded and ran a matrix
// product in a fresh process. A failure or a cancel removes the new folder and leaves the previous
// install as it was. The GPU package that cannot use a GPU gives way to the CPU package.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  INSTALL_PACKAGE_NAME,
  NATIVE_PACKAGES,
  NativeInstallError,
  readActiveRecord,
  VARIANT_BACKEND,
  writeActiveRecord,
  type BackendCheck,
  type NativeInstallRecord,
  type NativeVariant,
} from './install-record';
import { runNpm } from './run-npm';

const LOCK_FILE = 'install.lock';
/** Installation folders are named <variant>-<version>-<time>; nothing else in the root is ever deleted. */
const INSTALL_FOLDER = /^(cpu|gpu)-\d+\.\d+\.\d+[^/\\]*-\d{8}T\d{6}/;

export class InstallCancelledError extends Error {
  constructor() {
    super('The native backend setup was cancelled; the previous backend is unchanged.');
  }
}

export interface InstallRequest {
  /** The install root (its active.json and installation folders). */
  root: string;
  variant: NativeVariant;
  /** The engine's tfjs-core version: the native package is pinned to exactly this one. */
  version: string;
  /** The npm executable (findNpm). */
  npm: string;
  /** Loads `folder` in a fresh process with `backend` (an explicit request: it must load) and measures it. */
  check: (folder: string, backend: 'node' | 'node-gpu') => Promise<BackendCheck>;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Every line npm prints, and our own notes. */
  onLog?: (line: string) => void;
  /** What is happening now, for a progress display ("npm install @tensorflow/tfjs-node@4.22.0"). */
  onStep?: (step: string) => void;
  now?: () => Date;
}

export interface InstallOutcome {
  record: NativeInstallRecord;
  /** The GPU package was asked for but could not use a GPU: why. The CPU package runs instead. */
  gpuFallback?: string;
  /** After the GPU package failed, the CPU install that was already active was kept (no new install). */
  keptPrevious: boolean;
  seconds: number;
}

interface Attempt {
  folder: string;
  name: string;
  check: BackendCheck;
}

/** One install at a time per root (the extension and the CLI may share one): a lock file with our pid. */
function acquireLock(root: string): () => void {
  const file = join(root, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new NativeInstallError(`Another native backend install (process ${pid}) is running in ${root}; wait for it to finish.`);
      }
      rmSync(file, { force: true }); // left by an install that crashed
    }
  }
  throw new NativeInstallError(`Could not lock ${file}; remove it if no install is running.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeFolder(folder: string, log: (line: string) => void): void {
  try {
    rmSync(folder, { recursive: true, force: true, maxRetries: 2 });
  } catch (err) {
    // A process may still hold its files (Windows): the next install removes it.
    log(`Could not remove ${folder} yet (${(err as Error).message}); the next setup removes it.`);
  }
}

/** Removes installation folders other than `keep`: superseded installs and leftovers of crashed ones. */
function removeOtherInstalls(root: string, keep: string | undefined, log: (line: string) => void): void {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && INSTALL_FOLDER.test(entry.name) && entry.name !== keep) removeFolder(join(root, entry.name), log);
  }
}

/**
 * What the user needs to see of a failed install: the error an install script threw (npm then only
 * says "command failed") and npm's own error lines, without the log-file and path noise.
 */
export function summarizeNpmFailure(tail: readonly string[]): string {
  const thrown = tail.filter((l) => !/^npm /.test(l) && /^\s*(\w*Error|\w+Error:|Error:)/.test(l)).at(-1)?.trim();
  const npmErrors = tail
    .filter((l) => /^npm (ERR!|error)/.test(l))
    .map((l) => l.replace(/^npm (ERR!|error) ?/, ''))
    .filter((l) => !/^(path |A complete log of this run)/.test(l));
  const lines = [...(thrown ? [thrown] : []), ...npmErrors];
  return (lines.length ? lines : tail).slice(-6).join(' | ');
}

function folderName(variant: NativeVariant, version: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '$1');
  return `${variant}-${version}-${stamp}`;
}

function packageJson(pkg: string, version: string): string {
  return `${JSON.stringify(
    {
      name: INSTALL_PACKAGE_NAME,
      private: true,
      description: 'The native TensorFlow backend of Prompt Tuner, installed by "Set Up Native Backend" or `prompt-tune backend install`.',
      dependencies: { [pkg]: version },
      // npm 11 asks projects to approve dependencies' install scripts; this one downloads libtensorflow.
      allowScripts: { [`${pkg}@${version}`]: true },
    },
    null,
    2,
  )}\n`;
}

function describeNoGpu(check: BackendCheck): string {
  return `${check.backend === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : 'TensorFlow'} loaded but found no usable GPU (binding.isUsingGpuDevice() is false)`;
}

export async function installNativeBackend(req: InstallRequest): Promise<InstallOutcome> {
  const started = Date.now();
  const log = req.onLog ?? (() => undefined);
  const step = req.onStep ?? (() => undefined);
  const now = req.now ?? (() => new Date());
  mkdirSync(req.root, { recursive: true });
  const release = acquireLock(req.root);
  try {
    const active = readActiveRecordOrNone(req.root, log);
    removeOtherInstalls(req.root, active?.folder, log);

    /** The check in a fresh process, which must load TensorFlow.js from `folder` itself. */
    const checkFolder = async (folder: string, variant: NativeVariant, what: string): Promise<BackendCheck> => {
      const pkg = `${NATIVE_PACKAGES[variant]}@${req.version}`;
      let check: BackendCheck;
      try {
        check = await req.check(folder, VARIANT_BACKEND[variant]);
      } catch (err) {
        throw new NativeInstallError(`${pkg} ${what}, but the check in a fresh process failed: ${(err as Error).message}`);
      }
      if (check.source !== folder) {
        // It loaded, but from elsewhere (a node_modules' own tfjs-node): the install itself is not usable.
        throw new NativeInstallError(`${pkg} ${what} but is not usable: ${check.nativeProblem ?? `TensorFlow.js came from ${check.source}`}`);
      }
      return check;
    };

    const attempt = async (variant: NativeVariant): Promise<Attempt> => {
      const pkg = NATIVE_PACKAGES[variant];
      const name = folderName(variant, req.version, now());
      const folder = join(req.root, name);
      mkdirSync(folder);
      writeFileSync(join(folder, 'package.json'), packageJson(pkg, req.version));
      try {
        step(`npm install ${pkg}@${req.version}`);
        log(`Installing ${pkg}@${req.version} into ${folder} with ${req.npm}`);
        const outcome = await runNpm({
          npm: req.npm,
          args: ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=http'],
          cwd: folder,
          env: req.env ?? process.env,
          signal: req.signal,
          onLine: log,
        });
        if (outcome.cancelled) throw new InstallCancelledError();
        if (outcome.code !== 0) {
          const how = outcome.code === null ? `was killed (${outcome.signal})` : `failed with exit code ${outcome.code}`;
          throw new NativeInstallError(`npm install ${pkg}@${req.version} ${how}: ${summarizeNpmFailure(outcome.tail)}`);
        }
        step(`checking ${pkg} in a fresh process`);
        const check = await checkFolder(folder, variant, 'was installed');
        if (req.signal?.aborted) throw new InstallCancelledError();
        return { folder, name, check };
      } catch (err) {
        removeFolder(folder, log);
        throw err;
      }
    };

    const activate = (made: Attempt, variant: NativeVariant, gpuFallback?: string): InstallOutcome => {
      const record: NativeInstallRecord = {
        format: 1,
        folder: made.name,
        variant,
        package: NATIVE_PACKAGES[variant],
        version: req.version,
        installedAt: now().toISOString(),
        check: made.check,
      };
      writeActiveRecord(req.root, record);
      removeOtherInstalls(req.root, made.name, log);
      return { record, ...(gpuFallback ? { gpuFallback } : {}), keptPrevious: false, seconds: (Date.now() - started) / 1000 };
    };

    if (req.variant === 'cpu') return activate(await attempt('cpu'), 'cpu');

    let gpuFallback: string;
    try {
      const gpu = await attempt('gpu');
      if (gpu.check.gpu) return activate(gpu, 'gpu');
      removeFolder(gpu.folder, log);
      gpuFallback = describeNoGpu(gpu.check);
    } catch (err) {
      if (err instanceof InstallCancelledError) throw err;
      gpuFallback = (err as Error).message;
    }
    log(`The GPU package is not used: ${gpuFallback}`);
    if (active?.variant === 'cpu' && active.version === req.version) {
      step('checking the CPU backend already installed');
      try {
        const check = await checkFolder(join(req.root, active.folder), 'cpu', 'is installed');
        log(`Keeping the CPU backend already installed (${active.folder}).`);
        return { record: { ...active, check }, gpuFallback, keptPrevious: true, seconds: (Date.now() - started) / 1000 };
      } catch (err) {
        if (req.signal?.aborted) throw new InstallCancelledError();
        log(`The CPU backend already installed does not load any more (${(err as Error).message}); installing it again.`);
      }
    }
    return activate(await attempt('cpu'), 'cpu', gpuFallback);
  } finally {
    release();
  }
}

/** The active record, or undefined when there is none or it is damaged (a new install replaces it). */
function readActiveRecordOrNone(root: string, log: (line: string) => void): NativeInstallRecord | undefined {
  try {
    const record = readActiveRecord(root);
    return record && existsSync(join(root, record.folder)) ? record : undefined;
  } catch (err) {
    log((err as Error).message);
    return undefined;
  }
}
