// Prompt tuning (Lester et al. 2021): the frozen T5 stays constant, the soft prompt P [k, d_model]
// is the only thing trained. The loop: seeded batches, loss and d loss / d P, an optimiser step on
// P, periodic evaluation (exact match, rank accuracy) keeping the best prompt, atomic checkpoints
// that a later run resumes exactly, and typed events for the CLI and the extension.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import * as tf from '../tf';
import { describeBackend } from '../backend';
import { openSession, type Session } from '../session';
import { initPrompt, insightsFor, loadPrompt, savePrompt, softPrompt, type MetricPoint, type SoftPrompt } from '../prompt';
import { writeJsonAtomic } from '../io/atomic';
import { Rng } from '../rng';
import { MaskArena } from '../tensor/dropout';
import { loadExamples, splitValidation, labelSet, describeSkipped, type Example, type LoadedData } from './data/dataset';
import { BatchOrder } from './data/batches';
import { encodeExamples, type EncodedExample } from './encode';
import { batchGradient, planMicroBatch } from './micro-batch';
import { evaluate, type EvalResult } from './evaluate';
import { createOptimizer } from './optim';
import { loadCheckpoint, saveCheckpoint, CHECKPOINT_VERSION, type TrainState } from './checkpoint';
import type { DoneEvent, TrainEvent } from './events';
import type { RunOptions } from './options';

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

function prepareData(opts: RunOptions, s: Session, log: (m: string) => void): Prepared {
  const spec = { inputField: opts.inputField, targetField: opts.targetField, template: opts.template, verbalizer: opts.verbalizer, labels: opts.labels, skipInvalid: opts.skipInvalid };
  const trainData = loadExamples(opts.train, spec);
  const reportSkipped = (d: LoadedData) => d.skipped.length > 0 && log(describeSkipped(d));
  reportSkipped(trainData);
  let train: Example[] = trainData.examples;
  let valid: Example[];
  let skipped = trainData.skipped.length;
  const validFromTrain = !opts.valid;
  if (opts.valid) {
    const v = loadExamples(opts.valid, spec);
    reportSkipped(v);
    skipped += v.skipped.length;
    valid = v.examples;
  } else {
    ({ train, valid } = splitValidation(train, opts.validFraction, opts.seed));
    log(`No --valid file: ${valid.length} of ${trainData.examples.length} examples held out for validation (seed ${opts.seed}).`);
  }
  const distinct = labelSet([...train, ...valid]);
  const labels = opts.labels ?? (distinct.length <= MAX_CLOSED_LABELS ? distinct : undefined);
  const budget = opts.maxInputLength - opts.promptLength;
  const encTrain = encodeExamples(train, s.tokenizer, budget, opts.maxTargetLength);
  const encValid = encodeExamples(valid, s.tokenizer, budget, opts.maxTargetLength);
  const truncatedInputs = encTrain.truncatedInputs + encValid.truncatedInputs;
  if (truncatedInputs > 0) log(`${truncatedInputs} input(s) were longer than ${budget} tokens (${opts.maxInputLength} minus the ${opts.promptLength}-token prompt) and were truncated.`);
  const truncatedTargets = encTrain.truncatedTargets + encValid.truncatedTargets;
  if (truncatedTargets > 0) log(`${truncatedTargets} target(s) were longer than ${opts.maxTargetLength} tokens and were truncated.`);
  const dataFingerprint = createHash('sha256').update(JSON.stringify(train.map((e) => [e.input, e.target]))).digest('hex').slice(0, 16);
  return { train: encTrain.examples, valid: encValid.examples, labels, skipped, truncatedInputs, validFromTrain, dataFingerprint };
}

function checkOptions(o: RunOptions): void {
  const positive = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (got ${v}).`);
  };
  positive(o.promptLength, '--prompt-length');
  positive(o.batchSize, '--batch-size');
  if (o.microBatch !== undefined) positive(o.microBatch, '--micro-batch');
  positive(o.steps, '--steps');
  positive(o.evalEvery, '--eval-every');
  positive(o.checkpointEvery, '--checkpoint-every');
  if (o.lr !== undefined && !(o.lr > 0)) throw new Error(`--lr must be a positive number (got ${o.lr}).`);
  if (o.dropout !== undefined && !(o.dropout >= 0 && o.dropout < 1)) throw new Error(`--dropout must be in [0, 1) (got ${o.dropout}).`);
  if (!(o.validFraction > 0 && o.validFraction < 1)) throw new Error(`The validation fraction must be in (0, 1) (got ${o.validFraction}).`);
}

/** Trains a prompt; resolves when the run completes, stops, stops early or diverges. */
export async function train(options: RunOptions, hooks: TrainHooks): Promise<DoneEvent> {
  const emit = hooks.onEvent;
  const log = (message: string, level: 'info' | 'warn' = 'info') => emit({ type: 'log', level, message });
  const resumed = options.resume ? loadCheckpoint(options.resume) : undefined;
  // A resumed run keeps its settings; only the step budget may be extended.
  const opts: RunOptions = resumed ? { ...resumed.state.options, steps: Math.max(options.steps, resumed.state.options.steps), resume: options.resume, backend: options.backend, precision: options.precision, microBatch: options.microBatch } : options;
  checkOptions(opts);
  const out = resolve(opts.out);
  const s = await openSession(opts.model, { backend: opts.backend, precision: opts.precision, onWarning: (m) => log(m, 'warn') });
  if (s.backend.precisionNote) log(s.backend.precisionNote, 'warn');
  log(`Model ${opts.model} (d_model ${s.model.config.d_model}, ${s.model.config.num_layers}+${s.model.config.num_decoder_layers} layers) on ${describeBackend(s.backend)}.`);
  const data = prepareData(opts, s, log);
  const k = opts.promptLength;
  const d = s.model.config.d_model;
  // Planned before anything is written: a run that cannot fit is told so at once.
  const longest = (key: 'inputIds' | 'targetIds') => Math.max(...data.train.map((e) => e[key].length));
  const plan = planMicroBatch(s.model.config, s.backend.name, opts.batchSize, { promptLength: k, inputLength: longest('inputIds'), targetLength: longest('targetIds') }, opts.microBatch);
  if (plan.reason) log(`Each step of ${opts.batchSize} examples runs in micro-batches of ${plan.size} (${plan.reason}); the gradient is the same.`);
  const evalBatch = plan.size; // inference keeps nothing for a backward pass: what trains fits

  let state: TrainState;
  let prompt: SoftPrompt;
  let initial: SoftPrompt;
  let order: BatchOrder;
  const optimizer = createOptimizer(opts.optimizer, [k, d], { lr: opts.lr, weightDecay: opts.weightDecay });
  if (resumed) {
    if (resumed.state.modelFingerprint !== s.identity.embeddingFingerprint) throw new Error(`${options.resume}: this checkpoint was made with another model than ${opts.model}.`);
    if (resumed.state.dataFingerprint !== data.dataFingerprint) throw new Error(`${options.resume}: the training data changed since this checkpoint was written; resume needs the same data (or start a new run).`);
    state = resumed.state;
    prompt = resumed.prompt;
    initial = resumed.initial;
    optimizer.setState(state.optimizer);
    order = BatchOrder.restore(state.order);
    log(`Resuming from step ${state.step} (${options.resume}).`);
  } else {
    const init = opts.init.kind === 'file' ? { prompt: loadPrompt(opts.init.path, s.identity).prompt, initPieces: Array<string | null>(k).fill(null), notes: [] } : initPrompt(opts.init, {
      k, shared: s.model.weights.shared, model: s.identity, rng: new Rng(opts.seed),
      encode: (t) => s.tokenizer.encode(t, { addEos: false }), displayPiece: (id) => s.tokenizer.displayPiece(id), labels: data.labels,
    });
    if (init.prompt.k !== k) throw new Error(`--init file:${opts.init.kind === 'file' ? opts.init.path : ''} holds a prompt of length ${init.prompt.k}, but --prompt-length is ${k}.`);
    init.notes.forEach((n) => log(n));
    prompt = softPrompt(Float32Array.from(init.prompt.data), k, d);
    initial = softPrompt(Float32Array.from(init.prompt.data), k, d);
    order = new BatchOrder(data.train.length, opts.batchSize, opts.seed);
    state = {
      version: CHECKPOINT_VERSION, step: 0, options: opts, modelFingerprint: s.identity.embeddingFingerprint, dataFingerprint: data.dataFingerprint,
      optimizer: optimizer.getState(), order: order.getState(), evalsWithoutImprovement: 0, metrics: [], losses: [], initPieces: init.initPieces,
    };
  }
  writeJsonAtomic(join(out, 'run.json'), { options: opts, model: s.name, modelDir: s.dir, backend: s.backend.name, labels: data.labels, startedAt: new Date().toISOString() });
  emit({
    type: 'started', runDir: out, backend: s.backend.name, model: opts.model, totalSteps: opts.steps, promptLength: k, dModel: d,
    trainExamples: data.train.length, validExamples: data.valid.length, validFromTrain: data.validFromTrain, skippedLines: data.skipped,
    truncatedInputs: data.truncatedInputs, ...(data.labels ? { labels: data.labels } : {}), ...(resumed ? { resumedFromStep: state.step } : {}),
  });

  const promptDir = join(out, 'prompt');
  const checkpointDir = join(out, 'checkpoint');
  const dropoutRate = opts.dropout ?? s.model.config.dropout_rate;
  const metricOf = (r: EvalResult) => (opts.metric === 'rank' && r.rankAccuracy !== undefined ? r.rankAccuracy : r.exactMatch);

  const checkpoint = (reason: 'interval' | 'stop' | 'final') => {
    state.optimizer = optimizer.getState();
    state.order = order.getState();
    saveCheckpoint(checkpointDir, { state, prompt, initial });
    emit({ type: 'checkpoint', step: state.step, dir: checkpointDir, reason });
  };

  const runEval = (): { result: EvalResult; best: boolean } => {
    const p = tf.tensor2d(prompt.data, [k, d]);
    let result: EvalResult;
    try {
      result = evaluate(s.model, s.tokenizer, p, data.valid, { batchSize: evalBatch, labels: data.labels });
    } finally {
      p.dispose();
    }
    const metric = metricOf(result);
    const prev = state.best;
    const best = !prev || metric > prev.metric || (metric === prev.metric && result.validLoss < prev.validLoss);
    const insights = insightsFor(s, prompt, { top: INSIGHT_TOP_K, labels: data.labels, initPieces: state.initPieces, initial });
    const point: MetricPoint = { step: state.step, validLoss: result.validLoss, exactMatch: result.exactMatch, ...(result.rankAccuracy !== undefined ? { rankAccuracy: result.rankAccuracy } : {}), trainLoss: state.losses.at(-1)?.loss };
    state.metrics.push(point);
    if (best) {
      state.best = { step: state.step, metric, validLoss: result.validLoss };
      state.evalsWithoutImprovement = 0;
      savePrompt(promptDir, prompt, s.identity, {
        init: opts.init, initPieces: state.initPieces, template: opts.template, verbalizer: opts.verbalizer, labels: data.labels,
        training: { optimizer: opts.optimizer, lr: opts.lr, weightDecay: opts.weightDecay, batchSize: opts.batchSize, steps: opts.steps, dropout: dropoutRate, maxInputLength: opts.maxInputLength, maxTargetLength: opts.maxTargetLength, seed: opts.seed, metric: opts.metric, stepsDone: state.step, bestStep: state.step, backend: s.backend.name },
        metrics: state.metrics, nearest: insights,
      });
    } else {
      state.evalsWithoutImprovement++;
    }
    emit({ type: 'eval', step: state.step, exactMatch: result.exactMatch, ...(result.rankAccuracy !== undefined ? { rankAccuracy: result.rankAccuracy } : {}), validLoss: result.validLoss, best, insights });
    return { result, best };
  };

  const done = (status: DoneEvent['status'], message: string): DoneEvent => {
    const event: DoneEvent = { type: 'done', status, step: state.step, ...(state.best ? { bestStep: state.best.step, bestMetric: state.best.metric } : {}), promptDir, message };
    emit(event);
    return event;
  };

  if (!resumed) runEval(); // the untrained prompt: the baseline, and a best prompt from the start
  const arena = new MaskArena();
  let referenceLoss: number | undefined = state.losses[0]?.loss;
  let emaSecondsPerStep = 0;
  let last = performance.now();
  while (state.step < opts.steps) {
    // Let the event loop run between steps: a stop message, Ctrl-C or a disconnect arrives here.
    await new Promise((r) => setImmediate(r));
    if (hooks.signal?.aborted) {
      checkpoint('stop');
      return done('stopped', `Stopped at step ${state.step}; resume with --resume ${checkpointDir}.`);
    }
    const batch = order.next();
    const rows = batch.indices.map((i) => data.train[i]);
    const step = state.step + 1;
    // Dropout masks depend only on (seed, step, site, row): a resumed run draws the same ones.
    const dropout = { rate: dropoutRate, seed: (opts.seed * 1_000_003 + step * 1009) | 0 };
    const p = tf.tensor2d(prompt.data, [k, d]);
    let loss: number;
    let grad: Float32Array;
    try {
      ({ loss, grad } = batchGradient(s.model, rows, p, { microBatch: plan.size, padId: s.tokenizer.padId, dropout, arena }));
    } finally {
      p.dispose();
    }
    referenceLoss ??= loss;
    if (!Number.isFinite(loss) || loss > EXPLODING_FACTOR * Math.max(referenceLoss, 1)) {
      log(`The loss ${Number.isFinite(loss) ? `rose to ${loss.toFixed(3)}` : 'became NaN'} at step ${step}; stopping. Lower the learning rate (--lr).`, 'warn');
      return done('diverged', `Training diverged at step ${step} (loss ${loss}); the best prompt (step ${state.best?.step ?? 0}) is kept in ${promptDir}. Try a lower --lr.`);
    }
    const lr = optimizer.step(prompt.data, grad);
    state.step = step;
    state.losses.push({ step, loss });
    const now = performance.now();
    const seconds = (now - last) / 1000;
    last = now;
    emaSecondsPerStep = emaSecondsPerStep === 0 ? seconds : 0.9 * emaSecondsPerStep + 0.1 * seconds;
    emit({
      type: 'step', step, totalSteps: opts.steps, epoch: batch.epoch, loss, learningRate: lr,
      examplesPerSecond: rows.length / Math.max(seconds, 1e-9), etaSeconds: emaSecondsPerStep * (opts.steps - step),
      memoryMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
    if (step % opts.evalEvery === 0 || step === opts.steps) {
      runEval();
      last = performance.now(); // evaluation time is not training speed
      if (opts.patience !== undefined && state.evalsWithoutImprovement >= opts.patience) {
        checkpoint('final');
        return done('early-stopped', `No improvement in ${opts.patience} evaluations; stopped early at step ${step}. Best prompt (step ${state.best!.step}) in ${promptDir}.`);
      }
    }
    if (step % opts.checkpointEvery === 0 && step < opts.steps) checkpoint('interval');
  }
  checkpoint('final');
  return done('completed', `Done: ${opts.steps} steps. Best prompt (step ${state.best!.step}, ${opts.metric} ${state.best!.metric.toFixed(3)}) in ${promptDir}.`);
}
