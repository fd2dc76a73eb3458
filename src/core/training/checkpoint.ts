// The resumable state of a run, written as one folder by writeDirAtomic (the previous checkpoint
// survives until the new one is complete, and a crash in between is recovered on the next read):
// prompt and initial prompt as safetensors, everything else as JSON. Every way a --resume folder can
// be wrong ends in a sentence naming it and saying what to do.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as v from 'valibot';
import { recoverDir, writeDirAtomic, writeFileAtomic, writeJsonAtomic, type WriteDirOptions } from '../io/atomic';
import { FileFormatError, quote } from '../io/errors';
import { MIB, readJsonFile, readRegularFile } from '../io/file-access';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { issuesMessage } from '../schema';
import { softPrompt, type SoftPrompt, type MetricPoint } from '../prompt';
import { firstNonFinite, NON_FINITE_HINT } from '../prompt/finite';
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

/** A --resume folder that cannot be resumed from. */
export class CheckpointFileError extends FileFormatError {}

const STATE_FILE = 'state.json';
const TENSORS_FILE = 'prompt.safetensors';
/** state.json holds the data order (a number per example) and a loss per step: megabytes, not gigabytes. */
const STATE_LIMIT = { maxBytes: 512 * MIB, what: "a checkpoint's state.json" };
/** Two prompts [k, d_model] in float32. */
const TENSORS_LIMIT = { maxBytes: 512 * MIB, what: "a checkpoint's prompt.safetensors" };

const DAMAGED = 'The checkpoint is damaged: resume from an earlier copy of the run, or start a new run.';

export function saveCheckpoint(dir: string, ckpt: Checkpoint, opts: WriteDirOptions = {}): void {
  for (const [name, p] of [['prompt', ckpt.prompt], ['initial', ckpt.initial]] as const) {
    const bad = firstNonFinite(p.data, p.dModel);
    if (bad !== undefined) throw new Error(`Refusing to write the checkpoint ${resolve(dir)}: its ${name} prompt is not finite (${bad}). ${NON_FINITE_HINT}`);
  }
  writeDirAtomic(
    resolve(dir),
    (tmp) => {
      const t = (p: SoftPrompt) => ({ shape: [p.k, p.dModel], data: p.data });
      writeFileAtomic(join(tmp, TENSORS_FILE), writeSafetensors({ prompt: t(ckpt.prompt), initial: t(ckpt.initial) }));
      writeJsonAtomic(join(tmp, STATE_FILE), ckpt.state);
    },
    opts,
  );
}

/** The fields resuming reads before the optimiser and data order check their own parts. */
const StateSchema = v.looseObject({
  version: v.number(),
  step: v.pipe(v.number(), v.integer(), v.minValue(0)),
  options: v.looseObject({ model: v.string(), train: v.string(), out: v.string(), promptLength: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  modelFingerprint: v.string(),
  dataFingerprint: v.string(),
  optimizer: v.looseObject({}),
  order: v.looseObject({}),
  evalsWithoutImprovement: v.pipe(v.number(), v.integer(), v.minValue(0)),
  metrics: v.array(v.looseObject({ step: v.number() })),
  losses: v.array(v.object({ step: v.number(), loss: v.number() })),
  initPieces: v.array(v.nullable(v.string())),
  best: v.optional(v.object({ step: v.number(), metric: v.number(), validLoss: v.number() })),
});

/** The checkpoint folder `dir`, recovered from an interrupted write if need be, or a sentence saying why it is not one. */
function checkpointFolder(dir: string): string {
  const folder = resolve(dir);
  recoverDir(folder);
  const usage = '--resume takes the checkpoint folder of a run, e.g. <out>/checkpoint.';
  if (!existsSync(folder)) {
    throw new CheckpointFileError(folder, `${folder}: no such checkpoint folder. ${usage}`);
  }
  if (!statSync(folder).isDirectory()) throw new CheckpointFileError(folder, `${folder} is a file, not a checkpoint folder. ${usage}`);
  if (!existsSync(join(folder, STATE_FILE))) {
    const inRun = existsSync(join(folder, 'checkpoint', STATE_FILE)) ? ` This looks like the run folder: resume with --resume ${join(folder, 'checkpoint')}.` : ` ${usage}`;
    throw new CheckpointFileError(folder, `${folder}: not a checkpoint (no ${STATE_FILE}).${inRun}`);
  }
  return folder;
}

/** A checkpoint's state.json, checked: the run's own settings come from here on --resume. */
export function readCheckpointState(dir: string): TrainState {
  const statePath = join(checkpointFolder(dir), STATE_FILE);
  const raw = readJsonFile(statePath, STATE_LIMIT, CheckpointFileError);
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== CHECKPOINT_VERSION) {
    throw new CheckpointFileError(statePath, `${statePath}: checkpoint version ${quote(version)} is not supported (this Prompt Tuner reads version ${CHECKPOINT_VERSION}). Resume it with the Prompt Tuner that wrote it, or start a new run.`);
  }
  const parsed = v.safeParse(StateSchema, raw);
  if (!parsed.success) throw new CheckpointFileError(statePath, `${issuesMessage(parsed.issues.slice(0, 3), { where: statePath })}. ${DAMAGED}`);
  return raw as TrainState;
}

export function loadCheckpoint(dir: string): Checkpoint {
  const state = readCheckpointState(dir);
  const tensorsPath = join(resolve(dir), TENSORS_FILE);
  let tensors: ReturnType<typeof readSafetensors>['tensors'];
  try {
    tensors = readSafetensors(readRegularFile(tensorsPath, TENSORS_LIMIT, CheckpointFileError), tensorsPath).tensors;
  } catch (err) {
    if (!(err instanceof FileFormatError)) throw err;
    throw new CheckpointFileError(tensorsPath, `${err.message} ${DAMAGED}`);
  }
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t || t.shape.length !== 2 || t.shape[0] !== state.options.promptLength) {
      throw new CheckpointFileError(tensorsPath, `${tensorsPath}: tensor "${name}" is missing or not [${state.options.promptLength}, d_model] as state.json says. ${DAMAGED}`);
    }
    const bad = firstNonFinite(t.data, t.shape[1]);
    if (bad !== undefined) throw new CheckpointFileError(tensorsPath, `${tensorsPath}: the ${name} prompt is not finite (${bad}). ${NON_FINITE_HINT}`);
    return softPrompt(t.data, t.shape[0], t.shape[1], `${tensorsPath} ${name}`);
  };
  return { state, prompt: get('prompt'), initial: get('initial') };
}
