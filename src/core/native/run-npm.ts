// Runs npm with its output streamed line by line, and stops it with everything it started (the
// install scripts, node-pre-gyp, downloads) when the signal aborts.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, delimiter as hostDelimiter } from 'node:path';

export interface NpmRun {
  npm: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export interface NpmOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  cancelled: boolean;
  /** The last lines npm printed, for the error message. */
  tail: string[];
}

/** Enough for an install script's error and stack trace before npm's own error lines. */
const TAIL_LINES = 80;
const KILL_GRACE_MS = 3000;

/** Ends the process and its descendants: its process group on POSIX, taskkill /T on Windows. */
function killTree(pid: number, signal: NodeJS.Signals): void {
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The environment npm runs in: `npm`'s folder first on PATH, so its `#!/usr/bin/env node` finds the Node it came with. */
export function npmEnv(npm: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const key = process.platform === 'win32' && env.PATH === undefined && env.Path !== undefined ? 'Path' : 'PATH';
  const path = env[key];
  return { ...env, [key]: path ? `${dirname(npm)}${hostDelimiter}${path}` : dirname(npm), npm_config_update_notifier: 'false' };
}

export function runNpm(run: NpmRun): Promise<NpmOutcome> {
  return new Promise((resolve, reject) => {
    if (run.signal?.aborted) return resolve({ code: null, signal: null, cancelled: true, tail: [] });
    // detached: npm leads a process group, so a cancel reaches the install scripts it spawned.
    // Windows runs npm.cmd only through a shell.
    const child = spawn(run.npm, run.args, {
      cwd: run.cwd,
      env: npmEnv(run.npm, run.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      shell: process.platform === 'win32' && /\.cmd$/i.test(run.npm),
      windowsHide: true,
    });
    const tail: string[] = [];
    let partial = { out: '', err: '' };
    const take = (stream: 'out' | 'err', chunk: string) => {
      const lines = (partial[stream] + chunk).split(/\r?\n|\r/);
      partial = { ...partial, [stream]: lines.pop() ?? '' };
      for (const line of lines) emit(line);
    };
    const emit = (line: string) => {
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      run.onLine?.(line);
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => take('out', c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => take('err', c));
    let cancelled = false;
    let forceKill: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      cancelled = true;
      killTree(child.pid, 'SIGTERM');
      forceKill = setTimeout(() => child.pid !== undefined && killTree(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      run.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`Could not run ${run.npm}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      run.signal?.removeEventListener('abort', onAbort);
      if (forceKill) clearTimeout(forceKill);
      // The group may outlive npm (a script it started): end it too once npm is gone.
      if (cancelled && child.pid !== undefined) killTree(child.pid, 'SIGKILL');
      emit(partial.out);
      emit(partial.err);
      resolve({ code, signal, cancelled, tail });
    });
  });
}
