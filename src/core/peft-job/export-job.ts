// `prompt-tune export-job`: a run handed to HF PEFT + Accelerate. The run's checkpoint gives its
// settings, the model's fingerprint and the prompt it started from (so every init carries over
// exactly); run.json the label set the run resolved. The job folder holds train.py, job.json (what
// train.py reads), the initial prompt, the data, requirements and accelerate configs. The data is a
// copy of the run's files when train.py reads them as the engine does (local JSON Lines, CSV, TSV
// taken as they are); otherwise (a hub dataset, Parquet, a task preset's rewritten or grouped rows)
// it is the rows the engine resolved, as JSON Lines of input and target (and group), checked
// against the fingerprint of the data the run trained on.
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
import { taskGroups, taskRows } from '../training/data/task-rows';
import { loadData } from '../training/data/source';
import { splitValidation, type Example } from '../training/data/dataset';
import { examplesFingerprint } from '../training/data/fingerprint';
import { runDataSpec } from '../training/options';
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
  data: Pick<RunSettings, 'validFraction' | 'inputField' | 'targetField' | 'template' | 'verbalizer' | 'labels' | 'skipInvalid'> & {
    train: string;
    valid?: string;
    /** The field holding each row's group (MultiRC's question), for EM per group. */
    groupField?: string;
    /** The run's data and how it wrote the rows, when the job's files are the rows resolved from it (a hub dataset, Parquet, a task's rows); the saved prompt records its template and verbalizer. */
    resolvedFrom?: Pick<RunSettings, 'template' | 'verbalizer' | 'task'> & { train: string; valid?: string };
  };
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

/** A data file train.py reads as the engine does; relative paths are the run's, from the folder it started in. */
function copiedFile(path: string, setting: string): string {
  const full = resolve(path);
  if (!existsSync(full) || !statSync(full).isFile()) {
    throw new JobExportError(full, `${full}: the run's ${setting} file is not there. Export from the folder the run was started in, or put the file back.`);
  }
  return full;
}

/** Whether train.py reads the run's data as the engine does: local JSON Lines, CSV or TSV files whose rows are used as they are. */
function jobReadsRunFiles(opts: RunSettings): boolean {
  const readable = (path: string | undefined) => path === undefined || (!isHubDataset(path) && extname(path).toLowerCase() !== '.parquet');
  return readable(opts.train) && readable(opts.valid) && taskRows(opts.task) === undefined && taskGroups(opts.task) === undefined;
}

/** The job's data: the rows of each split. */
interface JobRows {
  train: Example[];
  valid?: Example[];
}

/**
 * The examples the engine reads from the run's data (hub datasets through the registered hub client),
 * refused when the rows it trained on are no longer these (another revision, changed files).
 */
async function resolvedRows(run: string, opts: RunSettings, dataFingerprint: string): Promise<JobRows> {
  const spec = runDataSpec(opts);
  const train = (await loadData(opts.train, 'train', spec)).examples;
  const valid = opts.valid === undefined ? undefined : (await loadData(opts.valid, 'valid', spec)).examples;
  const trained = valid ? train : splitValidation(train, opts.validFraction, opts.seed).train;
  if (examplesFingerprint(trained) !== dataFingerprint) {
    throw new JobExportError(
      run,
      `${run}: the run's data (${opts.train}${opts.valid ? `, ${opts.valid}` : ''}) no longer gives the rows the run trained on (another revision of the dataset, or changed files), so the job would train on other data. Pin the revision the run used (hf:org/name@revision) or restore the files, and train again if they are gone.`,
    );
  }
  return { train, ...(valid ? { valid } : {}) };
}

/** Rows as JSON Lines of input, target and (when every row has one) group. */
function rowsJsonl(rows: readonly Example[], grouped: boolean): string {
  return rows.map((e) => JSON.stringify({ input: e.input, target: e.target, ...(grouped ? { group: e.group } : {}) })).join('\n') + '\n';
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

/**
 * Writes the PEFT + Accelerate job of the run folder `runDir` into `outDir` (replaced as a whole). A
 * run on a hub dataset reads it through the hub client registered with the data loader (the cache).
 */
export async function exportPeftJob(runDir: string, outDir: string): Promise<ExportedJob> {
  const run = resolve(runDir);
  const out = resolve(outDir);
  const labels = runLabels(run);
  const checkpointDir = join(run, 'checkpoint');
  if (!existsSync(checkpointDir)) {
    throw new JobExportError(run, `${run}: the run has no checkpoint yet; it writes one at each evaluation and when stopped. Export once it has one.`);
  }
  const { state, initial } = loadCheckpoint(checkpointDir);
  const opts = resolveRunSettings(state.options);
  if (opts.metric === 'squad-f1-em') {
    // The job's rows keep one target each, and train.py selects by scores of ranked labels or exact match.
    throw new JobExportError(run, `${run}: the run selects its prompt by squad-f1-em (ReCoRD's SQuAD F1 and EM over every gold answer), which train.py does not compute, so the job would select by another score. Train this run with prompt-tune, or export a run with another --metric.`);
  }
  checkJobFolder(out);
  const files = jobReadsRunFiles(opts)
    ? { train: copiedFile(opts.train, 'training (--train)'), ...(opts.valid !== undefined ? { valid: copiedFile(opts.valid, 'validation (--valid)') } : {}) }
    : undefined;
  const rows = files ? undefined : await resolvedRows(run, opts, state.dataFingerprint);
  const grouped = rows !== undefined && [...rows.train, ...(rows.valid ?? [])].every((e) => e.group !== undefined);
  const modelIsFolder = existsSync(resolve(opts.model));
  const model = modelIsFolder ? resolve(opts.model) : opts.model; // a hub id as it is
  const optimizer = optimizerSettings(opts.optimizer, { lr: opts.lr, weightDecay: opts.weightDecay });
  const dataName = (role: string, file: string | undefined) => `data/${role}${file ? extname(file).toLowerCase() : '.jsonl'}`;
  // Resolved rows are read by field, as they are: the template, verbalizer and skipping are already applied.
  const fields = rows
    ? { inputField: 'input', targetField: 'target', template: undefined, verbalizer: undefined, skipInvalid: false, ...(grouped ? { groupField: 'group' } : {}), resolvedFrom: { train: opts.train, ...(opts.valid ? { valid: opts.valid } : {}), template: opts.template, verbalizer: opts.verbalizer, task: opts.task } }
    : { inputField: opts.inputField, targetField: opts.targetField, template: opts.template, verbalizer: opts.verbalizer, skipInvalid: opts.skipInvalid };
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
      train: dataName('train', files?.train),
      ...(files?.valid !== undefined || rows?.valid !== undefined ? { valid: dataName('valid', files?.valid) } : {}),
      validFraction: opts.validFraction, labels: opts.labels, ...fields,
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
    if (files) {
      copyFileSync(files.train, join(tmp, job.data.train));
      if (files.valid !== undefined && job.data.valid) copyFileSync(files.valid, join(tmp, job.data.valid));
    } else if (rows) {
      writeFileAtomic(join(tmp, job.data.train), rowsJsonl(rows.train, grouped));
      if (rows.valid && job.data.valid) writeFileAtomic(join(tmp, job.data.valid), rowsJsonl(rows.valid, grouped));
    }
    writeFileAtomic(join(tmp, 'requirements.txt'), REQUIREMENTS);
    writeFileAtomic(join(tmp, 'accelerate', 'one-gpu.yaml'), ACCELERATE_ONE_GPU);
    writeFileAtomic(join(tmp, 'accelerate', 'multi-gpu.yaml'), ACCELERATE_MULTI_GPU);
    writeFileAtomic(join(tmp, 'README.md'), jobReadme({ run, model, modelIsFolder, promptLength: initial.k, steps: opts.steps, batchSize: opts.batchSize }));
  });
  return { dir: out, job };
}
