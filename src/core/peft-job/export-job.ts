// `prompt-tune export-job`: a run handed to HF PEFT + Accelerate. The run's checkpoint gives its
// settings, the model's fingerprint and the prompt it started from (so every init carries over
// exactly); run.json the label set the run resolved. The job folder holds train.py, job.json (what
// train.py reads), the initial prompt, copies of the data files, requirements and accelerate configs.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { isHubDataset } from '../dataset-spec';
import { extname, join, resolve } from 'node:path';
import * as v from 'valibot';
import { writeDirAtomic, writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { FileFormatError } from '../io/errors';
import { MIB, readJsonFile } from '../io/file-access';
import { writeSafetensors } from '../io/safetensors';
import { issuesMessage } from '../schema';
import { resolveRunSettings, type RunSettings } from '../settings/run-settings';
import { loadCheckpoint } from '../training/checkpoint';
import { optimizerSettings } from '../training/optim';
import { taskRows } from '../training/data/task-rows';
import type { PromptInit } from '../prompt/init-spec';
import type { TrainingSettings } from '../prompt';
import { ACCELERATE_MULTI_GPU, ACCELERATE_ONE_GPU, REQUIREMENTS, jobReadme } from './job-files';
import { TRAIN_PY } from './train-py';

/** A run folder that cannot be exported, or a job folder that cannot be written. */
export class JobExportError extends FileFormatError {}

export const JOB_FORMAT = 'prompt-tuner/peft-job';
export const JOB_FILE = 'job.json';

/** job.json: what train.py reads (names as the run's settings spell them). */
export interface JobSettings {
  format: typeof JOB_FORMAT;
  version: 1;
  run: string;
  model: string;
  embeddingFingerprint: string;
  promptLength: number;
  dModel: number;
  init: PromptInit;
  initPieces: (string | null)[];
  initialPrompt: string;
  data: Pick<RunSettings, 'validFraction' | 'inputField' | 'targetField' | 'template' | 'verbalizer' | 'labels' | 'skipInvalid'> & { train: string; valid?: string };
  /** The label set the run ranked (given, or the data's distinct targets); null for open-ended targets. */
  labels: string[] | null;
  optimizer: { kind: string; [hyperparameter: string]: unknown };
  warmupSteps: number;
  batchSize: number;
  steps: number;
  evalEvery: number;
  metric: RunSettings['metric'];
  patience: number | null;
  dropout: number | null;
  maxInputLength: number;
  maxTargetLength: number;
  seed: number;
  /** prompt-tuner.json's `training` of the imported prompt. */
  training: TrainingSettings;
}

const RUN_JSON_LIMIT = { maxBytes: 64 * MIB, what: "a run's run.json" };
const RunJsonSchema = v.looseObject({ labels: v.optional(v.array(v.string())) });

/** The labels the run resolved, from its run.json. */
function runLabels(runDir: string): string[] | undefined {
  const path = join(runDir, 'run.json');
  if (!existsSync(path)) throw new JobExportError(runDir, `${runDir}: no run.json here; --run takes a run folder (the --out of prompt-tune train).`);
  const parsed = v.safeParse(RunJsonSchema, readJsonFile(path, RUN_JSON_LIMIT, JobExportError));
  if (!parsed.success) throw new JobExportError(path, `${issuesMessage(parsed.issues.slice(0, 3), { where: path })}. The run folder is damaged.`);
  return parsed.output.labels;
}

/** The data file the run read, which the job copies; relative paths are the run's, from the folder it started in. */
function dataFile(path: string, setting: string): string {
  // train.py reads JSON Lines, CSV and TSV files only.
  if (isHubDataset(path) || extname(path).toLowerCase() === '.parquet') {
    throw new JobExportError(
      path,
      `${path}: the run's ${setting} data is ${isHubDataset(path) ? 'a hub dataset' : 'a Parquet file'}, and the job's train.py reads JSON Lines, CSV and TSV files only. Save the rows as JSON Lines (e.g. with datasets' to_json) and train the run on that file.`,
    );
  }
  const full = resolve(path);
  if (!existsSync(full) || !statSync(full).isFile()) {
    throw new JobExportError(full, `${full}: the run's ${setting} file is not there. Export from the folder the run was started in, or put the file back.`);
  }
  return full;
}

/** Refuses a run whose training train.py would not reproduce: F1 selection, or a task preset's rewritten rows. */
function checkJobAgrees(run: string, opts: RunSettings): void {
  if (opts.metric !== 'rank' && opts.metric !== 'exact-match') {
    const name = opts.metric === 'f1' ? 'F1' : opts.metric;
    throw new JobExportError(run, `${run}: the run selects its best prompt by ${name}, which the job's train.py does not compute (it selects by rank accuracy or exact match). Train the run with --metric rank to export it.`);
  }
  if (taskRows(opts.task) !== undefined) {
    throw new JobExportError(run, `${run}: the run's task preset (${opts.task}) rewrites its rows as T5 does, which the job's train.py does not. Save the rewritten rows as JSON Lines with input and target fields and train the run on that file without --task.`);
  }
}

/** Refuses to replace a folder that holds other things than a job (a wrong --out never deletes user files). */
function checkJobFolder(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new JobExportError(dir, `${dir} is a file; the job is written as a folder. Choose another --out.`);
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(JOB_FILE)) {
    throw new JobExportError(dir, `${dir} already holds other files and is not an exported job; writing would replace it. Choose a new or empty folder.`);
  }
}

export interface ExportedJob {
  dir: string;
  job: JobSettings;
}

/** Writes the PEFT + Accelerate job of the run folder `runDir` into `outDir` (replaced as a whole). */
export function exportPeftJob(runDir: string, outDir: string): ExportedJob {
  const run = resolve(runDir);
  const out = resolve(outDir);
  const labels = runLabels(run);
  const checkpointDir = join(run, 'checkpoint');
  if (!existsSync(checkpointDir)) {
    throw new JobExportError(run, `${run}: the run has no checkpoint yet; it writes one at each evaluation and when stopped. Export once it has one.`);
  }
  const { state, initial } = loadCheckpoint(checkpointDir);
  const opts = resolveRunSettings(state.options);
  checkJobAgrees(run, opts);
  checkJobFolder(out);
  const train = dataFile(opts.train, 'training (--train)');
  const valid = opts.valid === undefined ? undefined : dataFile(opts.valid, 'validation (--valid)');
  const modelIsFolder = existsSync(resolve(opts.model));
  const model = modelIsFolder ? resolve(opts.model) : opts.model; // a hub id as it is
  const optimizer = optimizerSettings(opts.optimizer, { lr: opts.lr, weightDecay: opts.weightDecay });
  const dataName = (role: string, file: string) => `data/${role}${extname(file).toLowerCase()}`;
  const job: JobSettings = {
    format: JOB_FORMAT,
    version: 1,
    run,
    model,
    embeddingFingerprint: state.modelFingerprint,
    promptLength: initial.k,
    dModel: initial.dModel,
    init: opts.init,
    initPieces: state.initPieces,
    initialPrompt: 'initial_prompt.safetensors',
    data: {
      train: dataName('train', train),
      ...(valid ? { valid: dataName('valid', valid) } : {}),
      validFraction: opts.validFraction, inputField: opts.inputField, targetField: opts.targetField, template: opts.template,
      verbalizer: opts.verbalizer, labels: opts.labels, skipInvalid: opts.skipInvalid,
    },
    labels: labels ?? null,
    optimizer: { kind: optimizer.kind, ...optimizer.options },
    warmupSteps: opts.warmupSteps,
    batchSize: opts.batchSize,
    steps: opts.steps,
    evalEvery: opts.evalEvery,
    metric: opts.metric,
    patience: opts.patience ?? null,
    dropout: opts.dropout ?? null,
    maxInputLength: opts.maxInputLength,
    maxTargetLength: opts.maxTargetLength,
    seed: opts.seed,
    training: {
      optimizer: opts.optimizer, lr: optimizer.options.lr ?? undefined, weightDecay: optimizer.options.weightDecay, batchSize: opts.batchSize, steps: opts.steps,
      ...(opts.dropout !== undefined ? { dropout: opts.dropout } : {}), maxInputLength: opts.maxInputLength, maxTargetLength: opts.maxTargetLength, seed: opts.seed, metric: opts.metric,
    },
  };
  writeDirAtomic(out, (tmp) => {
    writeFileAtomic(join(tmp, 'train.py'), TRAIN_PY);
    writeJsonAtomic(join(tmp, JOB_FILE), job);
    writeFileAtomic(join(tmp, job.initialPrompt), writeSafetensors({ prompt: { shape: [initial.k, initial.dModel], data: initial.data } }, { format: 'pt' }));
    mkdirSync(join(tmp, 'data'));
    copyFileSync(train, join(tmp, job.data.train));
    if (valid && job.data.valid) copyFileSync(valid, join(tmp, job.data.valid));
    writeFileAtomic(join(tmp, 'requirements.txt'), REQUIREMENTS);
    writeFileAtomic(join(tmp, 'accelerate', 'one-gpu.yaml'), ACCELERATE_ONE_GPU);
    writeFileAtomic(join(tmp, 'accelerate', 'multi-gpu.yaml'), ACCELERATE_MULTI_GPU);
    writeFileAtomic(join(tmp, 'README.md'), jobReadme({ run, model, modelIsFolder, promptLength: initial.k, steps: opts.steps, batchSize: opts.batchSize }));
  });
  return { dir: out, job };
}
