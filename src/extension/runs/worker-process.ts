// Starts dist/worker.js as a child Node process and adapts it to WorkerHandle. Messages are checked
// against the protocol on arrival; a malformed one is reported as output rather than trusted.
import { fork } from 'node:child_process';
import { parseWorkerMessage, type HostToWorker } from '../../worker/protocol';
import type { WorkerHandle } from './run-manager';

/** `extraEnv` goes on top of the host's environment (e.g. PROMPT_TUNER_NATIVE_DIR: which TensorFlow to load). */
export function forkWorker(script: string, extraEnv: Record<string, string> = {}): WorkerHandle {
  // silent: stdout/stderr are piped to us (for the output channel and crash reports).
  // execArgv []: the extension host's own flags (inspector ports, memory limits) are not inherited.
  // In desktop VS Code the extension host runs in Electron: its binary acts as Node only when asked.
  const env = { ...process.env, ...extraEnv, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
  const child = fork(script, [], { silent: true, execArgv: [], env });
  const outputListeners: ((text: string) => void)[] = [];
  const emit = (text: string) => outputListeners.forEach((l) => l(text));
  child.stdout?.setEncoding('utf8').on('data', emit);
  child.stderr?.setEncoding('utf8').on('data', emit);
  child.on('error', (err) => emit(`worker process error: ${err.message}\n`));
  return {
    send(message: HostToWorker) {
      if (child.connected) child.send(message);
    },
    kill() {
      child.kill();
    },
    onMessage(listener) {
      child.on('message', (raw: unknown) => {
        try {
          listener(parseWorkerMessage(raw));
        } catch (err) {
          emit(`ignored a malformed worker message: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      });
    },
    onOutput(listener) {
      outputListeners.push(listener);
    },
    onExit(listener) {
      child.on('exit', (code, signal) => {
        listener(code, signal);
      });
    },
  };
}
