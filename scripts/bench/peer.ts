// The peer: HF PEFT prompt tuning on PyTorch (../shared/bench/peft_baseline.py), run in its own venv
// (made by ../shared/bench/setup_peft_venv.sh from pip's configured package sources).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Peer {
  script: string;
  python: string;
  env: NodeJS.ProcessEnv;
}

export const SHARED_BENCH = resolve(__dirname, '..', '..', '..', 'shared', 'bench');

export function defaultPeerVenv(env = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'prompt-tuner', 'peft-venv');
}

/** Finds the peer's script and makes its venv when missing; throws with the reason when it cannot. */
export function preparePeer(venv: string, say: (line: string) => void): Peer {
  const script = join(SHARED_BENCH, 'peft_baseline.py');
  const setup = join(SHARED_BENCH, 'setup_peft_venv.sh');
  if (!existsSync(script) || !existsSync(setup)) {
    throw new Error(
      `--peer needs the peer's benchmark, ${script}, and its venv script beside it: the shared reference folder ` +
        `../shared (present on development machines and in CI, not in a clone of this repository) was not found. ` +
        `Run without --peer for our figures only.`,
    );
  }
  const venvDir = resolve(venv);
  const python = join(venvDir, 'bin', 'python');
  const env = { ...process.env, PYTHONPATH: [join(venvDir, 'shims'), process.env.PYTHONPATH].filter(Boolean).join(':'), HF_HUB_OFFLINE: '1' };
  const works = () => existsSync(python) && spawnSync(python, ['-c', 'import torch, transformers, peft, accelerate'], { env, stdio: 'ignore' }).status === 0;
  if (!works()) {
    say(`Peer venv ${venvDir} is missing or incomplete: creating it with ${setup} (PyTorch, transformers, PEFT, Accelerate from pip's configured sources; 1-2 min)...`);
    const r = spawnSync('bash', [setup, venvDir], { stdio: ['ignore', 2, 2] }); // its output to stderr: stdout may carry JSON lines
    if (r.status !== 0 || !works()) {
      throw new Error(`Could not create the peer venv in ${venvDir} with ${setup} (exit ${r.status ?? r.signal}); see its output above. Pass an existing one with --peer-venv DIR or $PROMPT_TUNER_PEER_VENV.`);
    }
  }
  return { script, python, env };
}
