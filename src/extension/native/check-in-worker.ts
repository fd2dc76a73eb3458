// Loads a backend in a fresh worker process and times a matrix product there: the proof that a new
// native install works before it becomes the active one, and the check of an existing one. A fresh
// process because a process can load TensorFlow.js only once, from one place. No vscode import.
import type { BackendRequest } from '../../core/engine-names';
import type { BackendCheck } from '../../worker/protocol';
import { LineTail } from '../runs/run';
import type { WorkerHandle } from '../runs/run-manager';

const CHECK_ID = 1;

export function checkInFreshWorker(launch: () => WorkerHandle, backend: BackendRequest, timeoutMs = 180_000): Promise<BackendCheck> {
  const worker = launch();
  const output = new LineTail(12);
  return new Promise<BackendCheck>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.kill();
      outcome();
    };
    const lastLines = () => {
      const lines = output.snapshot().filter((l) => l.trim() !== '');
      return lines.length ? `\n${lines.slice(-6).join('\n')}` : '';
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`the check did not finish within ${Math.round(timeoutMs / 1000)} s${lastLines()}`))), timeoutMs);
    worker.onOutput((text) => output.push(text));
    worker.onMessage((message) => {
      if (message.type === 'backendCheck' && message.id === CHECK_ID) finish(() => resolve(message.check));
      else if (message.type === 'error') finish(() => reject(new Error(message.message)));
    });
    worker.onExit((code, signal) => {
      // Loading libtensorflow can kill the process outright (a missing symbol, an illegal instruction).
      finish(() => reject(new Error(`the worker ${signal ? `was killed (${signal})` : `exited with code ${code}`} while loading the backend${lastLines()}`)));
    });
    worker.send({ type: 'checkBackend', id: CHECK_ID, backend });
  });
}
