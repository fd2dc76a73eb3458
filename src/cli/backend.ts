// `prompt-tune backend install|status|check`: the native TensorFlow backend, headless. install and
// status work on an install root (--dir, else $PROMPT_TUNER_NATIVE_DIR, else the user's cache
// folder), the one every other command loads TensorFlow.js from when it holds an install. A fresh
// install is checked, and status checks, in a child `prompt-tune backend check` — a process loads
// TensorFlow.js once, from one place.
import { spawn } from 'node:child_process';
import { checkBackend } from '../core/native/check';
import { describeCudaLibraries, describeGpu, describeGpuRequirements, detectNvidiaGpus, findCudaLibraries, gpuPlatformProblem } from '../core/native/gpu';
import { InstallCancelledError, installNativeBackend, type InstallOutcome } from '../core/native/installer';
import { defaultNativeDir, NATIVE_DIR_ENV, readActiveRecord, tfjsCoreVersion, type BackendCheck, type NativeInstallRecord } from '../core/native/install-record';
import { describeCheck } from '../core/native/labels';
import { currentNpmSearch, findNpm } from '../core/native/npm';
import { nativeInstallState } from '../core/native/resolution';
import { DEFAULTS } from '../core/training/options';
import { settingFlag, str, UsageError, type Flags } from './run-options';

type Out = (line: string) => void;
const note = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Runs `prompt-tune backend check --json` in a child process whose TensorFlow.js comes from `dir`,
 * with `backend` (it must load), or without: what other commands would run on.
 */
export function checkInChildProcess(dir: string, backend?: string): Promise<BackendCheck> {
  return new Promise((resolve, reject) => {
    // process.execArgv carries tsx's loader when the CLI runs from its sources (the tests).
    const args = [...process.execArgv, process.argv[1] ?? '', 'backend', 'check', '--json', ...(backend ? ['--backend', backend] : [])];
    const child = spawn(process.execPath, args, { env: { ...process.env, [NATIVE_DIR_ENV]: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0) {
        try {
          return resolve(JSON.parse(last) as BackendCheck);
        } catch {
          // fall through: report what it printed
        }
      }
      const said = stderr.split('\n').find((l) => l.startsWith('prompt-tune: ')) ?? stderr.trim().split('\n').at(-1) ?? '';
      reject(new Error(`${said.replace(/^prompt-tune: /, '') || (signal ? `killed (${signal})` : `exit code ${code}`)}`));
    });
  });
}

function installDir(flags: Flags): string {
  return str(flags, 'dir') ?? defaultNativeDir();
}

/** The GPU package needs a GPU nvidia-smi reports: say which, and what it requires, before installing. */
async function announceGpu(): Promise<void> {
  const platformProblem = gpuPlatformProblem(process.platform, process.arch);
  if (platformProblem) throw new UsageError(`--gpu: ${platformProblem} Run without --gpu for the CPU package.`);
  const ctx = { env: process.env, platform: process.platform };
  const detection = await detectNvidiaGpus(ctx);
  if (detection.gpus.length === 0) throw new UsageError(`--gpu: no NVIDIA GPU found (${detection.reason ?? 'nvidia-smi lists none'}). Run without --gpu for the CPU package.`);
  note(`GPU: ${detection.gpus.map(describeGpu).join('; ')} (${detection.nvidiaSmi}).`);
  note(describeGpuRequirements());
  const cuda = describeCudaLibraries(findCudaLibraries(ctx));
  if (cuda) note(`CUDA libraries: ${cuda}.`);
}

function reportInstall(outcome: InstallOutcome, dir: string, json: boolean, out: Out): void {
  const { record } = outcome;
  if (json) {
    out(JSON.stringify({ dir, ...outcome }));
    return;
  }
  if (outcome.gpuFallback) note(`The GPU package is not used: ${outcome.gpuFallback}.`);
  out(`${outcome.keptPrevious ? 'Kept' : 'Installed'} ${record.package} ${record.version} in ${dir} (${outcome.seconds.toFixed(0)} s).`);
  out(`Check: ${describeCheck(record.check)}.`);
  out(dir === defaultNativeDir() ? 'prompt-tune train, eval, try and inspect now use it.' : `Other commands use it with ${NATIVE_DIR_ENV}=${dir}.`);
}

async function install(flags: Flags, out: Out): Promise<number> {
  const dir = installDir(flags);
  const json = flags.json === true;
  if (flags.gpu === true) await announceGpu();
  const npm = findNpm(currentNpmSearch(), process.env.PROMPT_TUNER_NPM || undefined);
  const controller = new AbortController();
  const onSigint = () => {
    note('\nCancelling: stopping npm; the previous install stays as it was...');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const outcome = await installNativeBackend({
      root: dir,
      variant: flags.gpu === true ? 'gpu' : 'cpu',
      version: tfjsCoreVersion(__filename),
      npm,
      signal: controller.signal,
      onLog: note,
      onStep: (step) => note(`== ${step}`),
      check: (folder, backend) => checkInChildProcess(folder, backend),
    });
    reportInstall(outcome, dir, json, out);
    return 0;
  } catch (err) {
    if (err instanceof InstallCancelledError) {
      note(err.message);
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function status(flags: Flags, out: Out): Promise<number> {
  const dir = installDir(flags);
  let record: NativeInstallRecord | undefined;
  let problem: string | undefined;
  try {
    record = readActiveRecord(dir);
  } catch (err) {
    problem = (err as Error).message;
  }
  let check: BackendCheck | undefined;
  let checkError: string | undefined;
  try {
    check = await checkInChildProcess(dir);
  } catch (err) {
    checkError = (err as Error).message;
  }
  const native = check?.tfBackend === 'tensorflow';
  if (flags.json === true) {
    out(JSON.stringify({ dir, installed: record ?? null, ...(problem ? { problem } : {}), check: check ?? null, ...(checkError ? { checkError } : {}) }));
  } else {
    if (record) out(`Native install: ${record.package} ${record.version} in ${dir} (${record.folder}, installed ${record.installedAt}).`);
    else out(problem ?? `No native install in ${dir}: run prompt-tune backend install${flags.dir ? ` --dir ${dir}` : ''}.`);
    if (check) out(`Backend now: ${describeCheck(check)}${check.source !== 'node_modules' ? ` (from ${check.source})` : ''}.`);
    if (checkError) out(`The backend check failed: ${checkError}`);
  }
  // Failing: a damaged install, a failed check, or an install that is not what runs (webgpu on a
  // hardware GPU comes before the native CPU backend, by design).
  return check && !problem && (native || check.backend === 'webgpu' || !record) ? 0 : 1;
}

/** In this process: the backend --backend / PROMPT_TUNER_BACKEND asks for, from the install this process adopted. */
async function check(flags: Flags, out: Out): Promise<number> {
  const { problem } = nativeInstallState();
  const result = await checkBackend(settingFlag(flags, 'backend') ?? DEFAULTS.backend);
  if (flags.json === true) out(JSON.stringify(result));
  else {
    out(`${describeCheck(result)} (from ${result.source}).`);
    if (problem && result.tfBackend !== 'tensorflow') out(`The native install is not used: ${problem}.`);
  }
  return 0;
}

export async function backendCommand(sub: string | undefined, flags: Flags, out: Out): Promise<number> {
  switch (sub) {
    case 'install':
      return install(flags, out);
    case 'status':
      return status(flags, out);
    case 'check':
      return check(flags, out);
    default:
      throw new UsageError(`backend takes install, status or check (got ${sub === undefined ? 'nothing' : `"${sub}"`}), e.g. prompt-tune backend install.`);
  }
}
