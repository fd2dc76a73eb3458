// Prompt tuning (Lester et al. 2021): the frozen T5 stays constant, the soft prompt P [k, d_model]
// is the only thing trained. The loop: seeded batches, loss and d loss / d P, an optimiser step on
// P, periodic evaluation (exact match, rank accuracy) keeping the best prompt, atomic checkpoints
// that a later run resumes exactly, and typed events for the CLI and the extension.
import { join, resolve } from 'node:path';
import * as tf from '../tf';
import { backendTag, describeBackend } from '../backend';
import { openSession, type Session } from '../session';
import { initPrompt, insightsFor, savePrompt, softPrompt, type MetricPoint, type SoftPrompt } from '../prompt';
import { checkWritableFolder, writeJsonAtomic } from '../io/atomic';
import { Rng } from '../rng';
import { MaskArena } from '../tensor/dropout';
import { splitValidation, labelSet, describeSkipped, DataSpecError, type Example, type LoadedData } from './data/dataset';
import { loadData } from './data/source';
import { BatchOrder } from './data/batches';
import { encodeExamples, type EncodedExample } from './encode';
import { batchGradient, planMicroBatch } from './micro-batch';
import { evaluate, type EvalResult } from './evaluate';
import { evalScores, metricDataProblem, metricLabelProblem, scoredMetric, scoresFreeAnswers } from './run-metric';
import { createOptimizer, warmupFactor, type PromptOptimizer } from './optim';
import { loadCheckpoint, saveCheckpoint, CHECKPOINT_VERSION, type TrainState } from './checkpoint';
import type { DoneEvent, TrainEvent } from './events';
import { runDataSpec, type RunOptions } from './options';
import { examplesFingerprint } from './data/fingerprint';
import { resolveRunSettings } from '../settings/run-settings';

export interface TrainHooks {
  onEvent: (e: TrainEvent) => void;
  /** Aborting stops the run gracefully: a checkpoint is written first. */
  signal?: AbortSignal;
}

/** A loss this many times the first one (or not finite) means the run diverged. */
const EXPLODING_FACTOR = 20;
/** Nearest pieces per prompt token in eval events: the panel's table shows 5, its hover 10. */
const INSIGHT_TOP_K = 10;
/** Labels are treated as a closed set (rank classification) up to this many distinct targets. */
const MAX_CLOSED_LABELS = 50;

interface Prepared {
  train: EncodedExample[];
  valid: EncodedExample[];
  labels?: string[];
  skipped: number;
  truncatedInputs: number;
  validFromTrain: boolean;
  dataFingerprint: string;
}

async function prepareData(opts: RunOptions, s: Session, log: (m: string) => void): Promise<Prepared> {
  const spec = runDataSpec(opts);
  const trainData = await loadData(opts.train, 'train', spec);
  const reportSkipped = (d: LoadedData) => d.skipped.length > 0 && log(describeSkipped(d));
  reportSkipped(trainData);
  let train: Example[] = trainData.examples;
  let valid: Example[];
  let skipped = trainData.skipped.length;
  const validFromTrain = !opts.valid;
  if (opts.valid) {
    const v = await loadData(opts.valid, 'valid', spec);
    reportSkipped(v);
    skipped += v.skipped.length;
    valid = v.examples;
  } else {
    ({ train, valid } = splitValidation(train, opts.validFraction, opts.seed));
    log(`No --valid file: ${valid.length} of ${trainData.examples.length} examples held out for validation (seed ${opts.seed}).`);
  }
  const distinct = labelSet([...train, ...valid]);
  const labels = opts.labels ?? (distinct.length <= MAX_CLOSED_LABELS && !scoresFreeAnswers(opts.metric) ? distinct : undefined);
  const metricProblem = metricLabelProblem(opts.metric, labels) ?? metricDataProblem(opts.metric, valid);
  if (metricProblem !== undefined) throw new DataSpecError('metric', metricProblem);
  const budget = opts.maxInputLength - opts.promptLength;
  const encTrain = encodeExamples(train, s.tokenizer, budget, opts.maxTargetLength);
  const encValid = encodeExamples(valid, s.tokenizer, budget, opts.maxTargetLength);
  const truncatedInputs = encTrain.truncatedInputs + encValid.truncatedInputs;
  if (truncatedInputs > 0) log(`${truncatedInputs} input(s) were longer than ${budget} tokens (${opts.maxInputLength} minus the ${opts.promptLength}-token prompt) and were truncated.`);
  const truncatedTargets = encTrain.truncatedTargets + encValid.truncatedTargets;
  if (truncatedTargets > 0) log(`${truncatedTargets} target(s) were longer than ${opts.maxTargetLength} tokens and were truncated.`);
  const dataFingerprint = examplesFingerprint(train);
  return { train: encTrain.examples, valid: encValid.examples, labels, skipped, truncatedInputs, validFromTrain, dataFingerprint };
}

/** Everything a run works with between steps. */
interface Run {
  opts: RunOptions;
  s: Session;
  data: Prepared;
  k: number;
  d: number;
  /** Rows per forward/backward pass (micro-batch.ts). */
  microBatch: number;
  dropoutRate: number;
  state: TrainState;
  prompt: SoftPrompt;
  initial: SoftPrompt;
  order: BatchOrder;
  optimizer: PromptOptimizer;
  arena: MaskArena;
  promptDir: string;
  checkpointDir: string;
  emit: (e: TrainEvent) => void;
  log: (message: string, level?: 'info' | 'warn') => void;
}

/**
 * Opens the model, prepares the data, plans the micro-batches and starts or restores the prompt,
 * its optimiser and the data order; writes run.json and emits `started`. A run that cannot fit in
 * memory fails here, before anything is written.
 */
async function setUp(options: RunOptions, emit: (e: TrainEvent) => void): Promise<{ run: Run; resumed: boolean }> {
  const log = (message: string, level: 'info' | 'warn' = 'info') => emit({ type: 'log', level, message });
  const resumed = options.resume ? loadCheckpoint(options.resume) : undefined;
  // A resumed run keeps its settings; only the step budget may be extended, and the machine's own.
  // Checked against the settings schema; a checkpoint's own settings get the defaults of settings added since.
  const opts = resolveRunSettings(resumed ? { ...resumed.state.options, steps: Math.max(options.steps, resumed.state.options.steps), resume: options.resume, backend: options.backend, precision: options.precision, microBatch: options.microBatch } : options);
  const out = resolve(opts.out);
  checkWritableFolder(out); // before minutes of model loading
  const s = await openSession(opts.model, { backend: opts.backend, precision: opts.precision, onWarning: (m) => log(m, 'warn') });
  if (s.backend.precisionNote) log(s.backend.precisionNote, 'warn');
  log(`Model ${opts.model} (d_model ${s.model.config.d_model}, ${s.model.config.num_layers}+${s.model.config.num_decoder_layers} layers) on ${describeBackend(s.backend)}.`);
  const data = await prepareData(opts, s, log);
  const k = opts.promptLength;
  const d = s.model.config.d_model;
  const longest = (key: 'inputIds' | 'targetIds') => Math.max(...data.train.map((e) => e[key].length));
  const plan = planMicroBatch(s.model.config, s.backend.name, opts.batchSize, { promptLength: k, inputLength: longest('inputIds'), targetLength: longest('targetIds') }, opts.microBatch === 'auto' ? undefined : opts.microBatch);
  if (plan.reason) log(`Each step of ${opts.batchSize} examples runs in micro-batches of ${plan.size} (${plan.reason}); the gradient is the same.`);

  const optimizer = createOptimizer(opts.optimizer, [k, d], { lr: opts.lr, weightDecay: opts.weightDecay });
  let start: Pick<Run, 'state' | 'prompt' | 'initial' | 'order'>;
  if (resumed) {
    if (resumed.state.modelFingerprint !== s.identity.embeddingFingerprint) throw new Error(`${options.resume}: this checkpoint was made with another model than ${opts.model}.`);
    if (resumed.state.dataFingerprint !== data.dataFingerprint) throw new Error(`${options.resume}: the training data changed since this checkpoint was written; resume needs the same data (or start a new run).`);
    optimizer.setState(resumed.state.optimizer);
    start = { state: resumed.state, prompt: resumed.prompt, initial: resumed.initial, order: BatchOrder.restore(resumed.state.order) };
    log(`Resuming from step ${resumed.state.step} (${options.resume}).`);
  } else {
    const init = initPrompt(opts.init, {
      k, shared: s.model.weights.shared, model: s.identity, rng: new Rng(opts.seed),
      encode: (t) => s.tokenizer.encode(t, { addEos: false }), displayPiece: (id) => s.tokenizer.displayPiece(id), labels: data.labels,
    });
    init.notes.forEach((n) => log(n));
    const order = new BatchOrder(data.train.length, opts.batchSize, opts.seed);
    start = {
      prompt: softPrompt(Float32Array.from(init.prompt.data), k, d),
      initial: softPrompt(Float32Array.from(init.prompt.data), k, d),
      order,
      state: {
        version: CHECKPOINT_VERSION, step: 0, options: opts, modelFingerprint: s.identity.embeddingFingerprint, dataFingerprint: data.dataFingerprint,
        optimizer: optimizer.getState(), order: order.getState(), evalsWithoutImprovement: 0, metrics: [], losses: [], initPieces: init.initPieces,
      },
    };
  }
  writeJsonAtomic(join(out, 'run.json'), { options: opts, model: s.name, modelDir: s.dir, backend: s.backend.name, labels: data.labels, startedAt: new Date().toISOString() });
  emit({
    type: 'started', runDir: out, backend: backendTag(s.backend), model: opts.model, totalSteps: opts.steps, promptLength: k, dModel: d,
    trainExamples: data.train.length, validExamples: data.valid.length, validFromTrain: data.validFromTrain, skippedLines: data.skipped,
    truncatedInputs: data.truncatedInputs, ...(data.labels ? { labels: data.labels } : {}), ...(resumed ? { resumedFromStep: start.state.step } : {}),
  });
  const run: Run = {
    opts, s, data, k, d, microBatch: plan.size, dropoutRate: opts.dropout ?? s.model.config.dropout_rate, ...start, optimizer, arena: new MaskArena(),
    promptDir: join(out, 'prompt'), checkpointDir: join(out, 'checkpoint'), emit, log,
  };
  return { run, resumed: resumed !== undefined };
}

/** The next batch's mean token loss and its gradient with respect to the prompt. */
function nextBatchGradient(run: Run): { loss: number; grad: Float32Array; examples: number; epoch: number } {
  const batch = run.order.next();
  const rows = batch.indices.map((i) => run.data.train[i]);
  const step = run.state.step + 1;
  // Dropout masks depend only on (seed, step, site, row): a resumed run draws the same ones.
  const dropout = { rate: run.dropoutRate, seed: (run.opts.seed * 1_000_003 + step * 1009) | 0 };
  const p = tf.tensor2d(run.prompt.data, [run.k, run.d]);
  let loss: number;
  let grad: Float32Array;
  try {
    ({ loss, grad } = batchGradient(run.s.model, rows, p, { microBatch: run.microBatch, padId: run.s.tokenizer.padId, dropout, arena: run.arena }));
  } finally {
    p.dispose();
  }
  return { loss, grad, examples: rows.length, epoch: batch.epoch };
}

/** Validation metrics of the current prompt; a new best prompt is saved. Emits `eval`. */
function evaluateRun(run: Run): void {
  const { opts, s, state } = run;
  const p = tf.tensor2d(run.prompt.data, [run.k, run.d]);
  let result: EvalResult;
  try {
    // Inference keeps nothing for a backward pass: the micro-batch that trains fits.
    result = evaluate(s.model, s.tokenizer, p, run.data.valid, { batchSize: run.microBatch, labels: run.data.labels, maxTargetLength: opts.maxTargetLength, metric: opts.metric });
  } finally {
    p.dispose();
  }
  const scored = scoredMetric(opts.metric, result);
  const metric = scored.score;
  const prev = state.best;
  const best = !prev || metric > prev.metric || (metric === prev.metric && result.validLoss < prev.validLoss);
  const insights = insightsFor(s, run.prompt, { top: INSIGHT_TOP_K, labels: run.data.labels, initPieces: state.initPieces, initial: run.initial });
  const scores = evalScores(result);
  const point: MetricPoint = { step: state.step, validLoss: result.validLoss, ...scores, trainLoss: state.losses.at(-1)?.loss };
  state.metrics.push(point);
  if (best) {
    state.best = { step: state.step, metric, validLoss: result.validLoss };
    state.evalsWithoutImprovement = 0;
    savePrompt(run.promptDir, run.prompt, s.identity, {
      init: opts.init, initPieces: state.initPieces, template: opts.template, verbalizer: opts.verbalizer, labels: run.data.labels,
      training: { optimizer: opts.optimizer, lr: opts.lr, weightDecay: opts.weightDecay, batchSize: opts.batchSize, steps: opts.steps, dropout: run.dropoutRate, maxInputLength: opts.maxInputLength, maxTargetLength: opts.maxTargetLength, seed: opts.seed, metric: opts.metric, stepsDone: state.step, bestStep: state.step, backend: s.backend.name },
      metrics: state.metrics, nearest: insights,
    });
  } else {
    state.evalsWithoutImprovement++;
  }
  run.emit({ type: 'eval', step: state.step, ...scores, ...scored, validLoss: result.validLoss, best, insights, ...(result.labelChecks ? { labelChecks: result.labelChecks } : {}) });
}

/** Writes the resumable state (atomically). Emits `checkpoint`. */
function writeCheckpoint(run: Run, reason: 'interval' | 'stop' | 'final'): void {
  run.state.optimizer = run.optimizer.getState();
  run.state.order = run.order.getState();
  saveCheckpoint(run.checkpointDir, { state: run.state, prompt: run.prompt, initial: run.initial });
  run.emit({ type: 'checkpoint', step: run.state.step, dir: run.checkpointDir, reason });
}

function finish(run: Run, status: DoneEvent['status'], message: string): DoneEvent {
  const { state } = run;
  const event: DoneEvent = { type: 'done', status, step: state.step, ...(state.best ? { bestStep: state.best.step, bestMetric: state.best.metric } : {}), promptDir: run.promptDir, message };
  run.emit(event);
  return event;
}

/** Trains a prompt; resolves when the run completes, stops, stops early or diverges. */
export async function train(options: RunOptions, hooks: TrainHooks): Promise<DoneEvent> {
  const { run, resumed } = await setUp(options, hooks.onEvent);
  const { opts, state } = run;
  if (!resumed) evaluateRun(run); // the untrained prompt: the baseline, and a best prompt from the start
  let referenceLoss: number | undefined = state.losses[0]?.loss;
  let emaSecondsPerStep = 0;
  let last = performance.now();
  while (state.step < opts.steps) {
    // Let the event loop run between steps: a stop message, Ctrl-C or a disconnect arrives here.
    await new Promise((r) => setImmediate(r));
    if (hooks.signal?.aborted) {
      writeCheckpoint(run, 'stop');
      return finish(run, 'stopped', `Stopped at step ${state.step}; resume with --resume ${run.checkpointDir}.`);
    }
    const { loss, grad, examples, epoch } = nextBatchGradient(run);
    const step = state.step + 1;
    referenceLoss ??= loss;
    if (!Number.isFinite(loss) || loss > EXPLODING_FACTOR * Math.max(referenceLoss, 1)) {
      run.log(`The loss ${Number.isFinite(loss) ? `rose to ${loss.toFixed(3)}` : 'became NaN'} at step ${step}; stopping. Lower the learning rate (--lr).`, 'warn');
      return finish(run, 'diverged', `Training diverged at step ${step} (loss ${loss}); the best prompt (step ${state.best?.step ?? 0}) is kept in ${run.promptDir}. Try a lower --lr.`);
    }
    const lr = run.optimizer.step(run.prompt.data, grad, warmupFactor(state.step, opts.warmupSteps));
    state.step = step;
    state.losses.push({ step, loss });
    const now = performance.now();
    const seconds = (now - last) / 1000;
    last = now;
    emaSecondsPerStep = emaSecondsPerStep === 0 ? seconds : 0.9 * emaSecondsPerStep + 0.1 * seconds;
    run.emit({
      type: 'step', step, totalSteps: opts.steps, epoch, loss, learningRate: lr,
      examplesPerSecond: examples / Math.max(seconds, 1e-9), etaSeconds: emaSecondsPerStep * (opts.steps - step),
      memoryMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
    if (step % opts.evalEvery === 0 || step === opts.steps) {
      evaluateRun(run);
      last = performance.now(); // evaluation time is not training speed
      if (opts.patience !== undefined && state.evalsWithoutImprovement >= opts.patience) {
        writeCheckpoint(run, 'final');
        return finish(run, 'early-stopped', `No improvement in ${opts.patience} evaluations; stopped early at step ${step}. Best prompt (step ${state.best!.step}) in ${run.promptDir}.`);
      }
    }
    if (step % opts.checkpointEvery === 0 && step < opts.steps) writeCheckpoint(run, 'interval');
  }
  writeCheckpoint(run, 'final');
  return finish(run, 'completed', `Done: ${opts.steps} steps. Best prompt (step ${state.best!.step}, ${opts.metric} ${state.best!.metric.toFixed(3)}) in ${run.promptDir}.`);
}
