// The resumable state of a run, written atomically as one folder (the previous checkpoint survives
// until the new one is complete): prompt and initial prompt as safetensors, everything else as JSON.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeDirAtomic, writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { softPrompt, type SoftPrompt, type MetricPoint } from '../prompt';
import type { OptimizerState } from './optim';
import type { BatchOrderState } from './data/batches';
import type { RunOptions } from './options';

export const CHECKPOINT_VERSION = 1;

export interface TrainState {
  version: number;
  step: number; // optimiser steps done
  options: RunOptions; // as the run started (resume keeps them; see trainer)
  modelFingerprint: string;
  dataFingerprint: string; // the training examples, so a resume on other data is refused
  optimizer: OptimizerState;
  order: BatchOrderState;
  best?: { step: number; metric: number; validLoss: number };
  evalsWithoutImprovement: number;
  metrics: MetricPoint[];
  losses: { step: number; loss: number }[];
  initPieces: (string | null)[];
}

export interface Checkpoint {
  state: TrainState;
  prompt: SoftPrompt;
  initial: SoftPrompt;
}

const STATE_FILE = 'state.json';
const TENSORS_FILE = 'prompt.safetensors';

export function saveCheckpoint(dir: string, ckpt: Checkpoint): void {
  writeDirAtomic(resolve(dir), (tmp) => {
    const t = (p: SoftPrompt) => ({ shape: [p.k, p.dModel], data: p.data });
    writeFileAtomic(join(tmp, TENSORS_FILE), writeSafetensors({ prompt: t(ckpt.prompt), initial: t(ckpt.initial) }));
    writeJsonAtomic(join(tmp, STATE_FILE), ckpt.state);
  });
}

export function loadCheckpoint(dir: string): Checkpoint {
  const folder = resolve(dir);
  const statePath = join(folder, STATE_FILE);
  if (!existsSync(statePath)) {
    throw new Error(`${folder}: not a checkpoint (no ${STATE_FILE}). --resume takes the run's checkpoint folder, e.g. <out>/checkpoint.`);
  }
  let state: TrainState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as TrainState;
  } catch (err) {
    throw new Error(`${statePath}: damaged checkpoint state (${(err as Error).message}).`);
  }
  if (state.version !== CHECKPOINT_VERSION) throw new Error(`${statePath}: checkpoint version ${state.version} is not supported (expected ${CHECKPOINT_VERSION}).`);
  const tensors = readSafetensors(readFileSync(join(folder, TENSORS_FILE)), join(folder, TENSORS_FILE)).tensors;
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t || t.shape.length !== 2) throw new Error(`${join(folder, TENSORS_FILE)}: tensor "${name}" is missing or not 2-D.`);
    return softPrompt(t.data, t.shape[0], t.shape[1], `${folder} ${name}`);
  };
  return { state, prompt: get('prompt'), initial: get('initial') };
}
