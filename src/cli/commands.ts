// The prompt-tune subcommands on top of the core library. Each prints for people by default and
// JSON with --json (for eval, its last line is one object with accuracy and n).
import { join, resolve } from 'node:path';
import * as v from 'valibot';
import { describeBackend } from '../core/backend';
import { openSession } from '../core/session';
import { tryPrompts, inspectPrompt } from '../core/playground';
import { exportNpy, loadPrompt, promptToTensor, savePrompt } from '../core/prompt';
import { labelSet, type Example } from '../core/training/data/dataset';
import { withTextPrompt } from '../core/training/data/text-prompt';
import { loadData } from '../core/training/data/source';
import { encodeExamples } from '../core/training/encode';
import { evaluate } from '../core/training/evaluate';
import { evaluateEnsemble } from '../core/training/evaluate-ensemble';
import { checkLabelMap, parseLabelMap } from '../core/training/data/label-map';
import { DataSpecError } from '../core/training/data/errors';
import { MAX_RANK_LABELS } from '../core/training/data/labels';
import { labelCheckLines } from './label-report';
import { evalScores, metricDataProblem, metricLabelProblem, metricValue, scoredMetric, scoresFreeAnswers, scoresGeneratedText } from '../core/training/run-metric';
import { scorePrefix } from './score-parts';
import { train } from '../core/training/trainer';
import { readCheckpointState } from '../core/training/checkpoint';
import { DEFAULTS } from '../core/training/options';
import { parseWith } from '../core/schema';
import { withTaskPreset } from '../core/settings/task-presets';
import { createRenderer } from './progress';
import { need, num, runSettings, settingFlag, str, UsageError, type Flags } from './run-options';

export type Out = (line: string) => void;

export async function trainCommand(flags: Flags, out: Out): Promise<number> {
  const resume = settingFlag(flags, 'resume');
  // `train --resume <dir>` alone: the run's own settings come from the checkpoint (the trainer checks the rest).
  const opts = runSettings(flags, resume ? savedRunSettings(resume) : {});
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nStopping after this step (a checkpoint is written)... press Ctrl-C again to quit now.\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const render = createRenderer({ json: flags.json === true, tty: process.stdout.isTTY === true, write: (s) => process.stdout.write(s) });
  try {
    const done = await train(opts, { onEvent: render, signal: controller.signal });
    if (flags.json !== true && done.status !== 'stopped') out(`Prompt: ${done.promptDir}`);
    return done.status === 'diverged' ? 1 : done.status === 'stopped' ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const SAVED_RUN = v.object({ options: v.object({ model: v.string(), train: v.string(), out: v.string(), steps: v.number() }) });

function savedRunSettings(checkpoint: string): v.InferOutput<typeof SAVED_RUN>['options'] {
  // readCheckpointState recovers a checkpoint a crash left mid-swap and explains a wrong folder in words.
  return parseWith(SAVED_RUN, readCheckpointState(checkpoint), { where: join(resolve(checkpoint), 'state.json') }).options;
}

export async function evalCommand(flags: Flags, out: Out): Promise<number> {
  const model = need(flags, 'model', 'the model the prompt was trained on');
  const members = str(flags, 'ensemble')?.split(',').filter((p) => p !== '');
  const promptPath = str(flags, 'prompt');
  if (members && promptPath) throw new UsageError('Give --prompt <dir> or --ensemble <dir>,<dir>,..., not both.');
  if (members && members.length < 2) throw new UsageError('--ensemble needs at least two prompt folders, separated by commas.');
  const dataFile = need(flags, 'data', 'a JSONL, CSV, TSV or Parquet file, or an hf: dataset (validation split by default), to evaluate on');
  const labelMapText = str(flags, 'label-map');
  const labelMap = labelMapText === undefined ? undefined : usage(() => parseLabelMap(labelMapText, '--label-map'));
  const s = await openSession(model, { backend: settingFlag(flags, 'backend') });
  const loaded = (members ?? (promptPath ? [promptPath] : [])).map((p) => loadPrompt(p, s.identity));
  loaded.forEach((l) => l.notes.forEach((note) => process.stderr.write(`note: ${note}\n`)));
  const meta = loaded[0]?.metadata;
  // The flags, then --task's preset as training applies it, then the prompts' own template and labels.
  const chosen = withTaskPreset({
    task: settingFlag(flags, 'task'), inputField: settingFlag(flags, 'inputField'), targetField: settingFlag(flags, 'targetField'), template: settingFlag(flags, 'template'),
    verbalizer: settingFlag(flags, 'verbalizer'), labels: settingFlag(flags, 'labels'), metric: settingFlag(flags, 'metric'),
  });
  const spec = {
    inputField: chosen.inputField, targetField: chosen.targetField, template: chosen.template ?? meta?.template, verbalizer: chosen.verbalizer ?? meta?.verbalizer,
    skipInvalid: settingFlag(flags, 'skipInvalid') ?? DEFAULTS.skipInvalid, task: chosen.task,
  };
  const data = await loadData(dataFile, 'eval', spec);
  // Prompt design: a hand-written text prompt and the first --shots training examples in front of each input.
  const textPrompt = str(flags, 'text-prompt');
  const shots = num(flags, 'shots');
  const shotExamples = shots === undefined ? [] : await firstShots(flags, shots, spec);
  const examples = textPrompt !== undefined || shots !== undefined ? withTextPrompt(data.examples, textPrompt, shotExamples) : data.examples;
  const metricFlag = chosen.metric;
  // The prompts' labels: --labels (or the task's), else their metadata, else the label map's, else the data's distinct targets.
  const promptLabels = chosen.labels ?? commonLabels(loaded.map((l) => l.metadata?.labels));
  const found = promptLabels ?? (labelMap ? [...labelMap.keys()] : labelSet([...data.examples, ...shotExamples]));
  // Open-ended targets (more than rank classification takes) have no label set to check outputs against; a metric over labels says so.
  const labels = !scoresFreeAnswers(metricFlag) && (found.length <= MAX_RANK_LABELS || (metricFlag !== undefined && !scoresGeneratedText(metricFlag))) ? found : undefined;
  if (labelMap) usage(() => checkLabelMap(labelMap, found, '--label-map'));
  const metricProblem = metricLabelProblem(metricFlag, found) ?? metricDataProblem(metricFlag, examples);
  if (metricProblem !== undefined) throw new UsageError(`--metric ${metricProblem}.`);
  const k = Math.max(0, ...loaded.map((l) => l.prompt.k));
  const maxInput = settingFlag(flags, 'maxInputLength') ?? meta?.training?.maxInputLength ?? DEFAULTS.maxInputLength;
  const maxTargetLength = settingFlag(flags, 'maxTargetLength') ?? DEFAULTS.maxTargetLength;
  const enc = encodeExamples(examples, s.tokenizer, maxInput - k, maxTargetLength);
  const batchSize = settingFlag(flags, 'batchSize') ?? DEFAULTS.batchSize;
  let shown = performance.now();
  const onProgress = (done: number, total: number) => {
    if (done < total && performance.now() - shown < 2000) return; // a line every 2 s on stderr
    shown = performance.now();
    process.stderr.write(`evaluating: ${done} of ${total} examples\n`);
  };
  const designed = examples !== data.examples ? { textPrompt: { text: textPrompt ?? '', shots: shotExamples.length, exampleInput: examples[0]?.input } } : {};
  const common = { skipped: data.skipped.length, truncatedInputs: enc.truncatedInputs, backend: s.backend.name, ...designed };
  if (members) {
    // Members vote on labels when the prompts have labels (or a metric over labels asks), as the paper's ensembles do.
    const byLabel = metricFlag === undefined ? promptLabels !== undefined : !scoresGeneratedText(metricFlag);
    const r = evaluateEnsemble(s.model, s.tokenizer, loaded.map((l) => l.prompt), enc.examples, { batchSize, labels, rank: byLabel, labelMap, maxTargetLength, onProgress, metric: metricFlag });
    // The vote is the ensemble's answer: its accuracy is its exact match, and on labels its rank accuracy.
    const { metric, score } = scoredMetric(r.by === 'label' ? (metricFlag ?? 'rank') : 'exact-match', { exactMatch: r.accuracy, rankAccuracy: r.accuracy, f1: r.f1, macroF1: r.macroF1, groupExactMatch: r.groupExactMatch });
    const accuracyName = r.by === 'label' ? 'rank' : 'exact-match';
    if (flags.json === true) {
      const checks = r.labelChecks ? { labelChecks: r.labelChecks } : {};
      // The scores the metric computed (JSON leaves out those it did not).
      out(JSON.stringify({ metric, score, vote: r.by, accuracy: r.accuracy, n: r.n, f1: r.f1, macroF1: r.macroF1, groupExactMatch: r.groupExactMatch, members: members.map((prompt, i) => ({ prompt, accuracy: r.members[i] })), disagreement: r.disagreement, ...common, ...checks }));
    } else {
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      out(`ensemble of ${members.length} (${r.by === 'label' ? 'vote on rank-classified labels' : 'vote on generated text'}): ${scorePrefix(metric, score, r)}${accuracyName} accuracy ${pct(r.accuracy)} on ${r.n} examples (${describeBackend(s.backend)}).`);
      members.forEach((prompt, i) => out(`  ${prompt}: ${pct(r.members[i])}`));
      out(`members disagree on ${pct(r.disagreement)} of the examples.`);
      if (r.labelChecks) labelCheckLines(r.labelChecks, r.n).forEach((line) => out(line));
    }
    return 0;
  }
  // Evaluating any prompt, exact match is the metric that always applies; rank and f1 need a label set.
  const metric = metricFlag ?? 'exact-match';
  const p = loaded[0] ? promptToTensor(loaded[0].prompt) : undefined;
  try {
    const r = evaluate(s.model, s.tokenizer, p, enc.examples, { batchSize, labels, rank: !scoresGeneratedText(metric), labelMap, maxTargetLength, onProgress, metric });
    const accuracy = scoresGeneratedText(metric) ? r.exactMatch : r.rankAccuracy!;
    const score = metricValue(metric, r);
    const summary = { metric, score, accuracy, n: r.n, ...evalScores(r), loss: r.validLoss, ...common, ...(r.labelChecks ? { labelChecks: r.labelChecks } : {}) };
    if (flags.json === true) out(JSON.stringify(summary));
    else {
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      out(`${scorePrefix(metric, score, r)}${scoresGeneratedText(metric) ? 'exact-match' : 'rank'} accuracy ${pct(accuracy)} on ${r.n} examples (loss ${r.validLoss.toFixed(4)}, ${describeBackend(s.backend)}).`);
      if (r.labelChecks) labelCheckLines(r.labelChecks, r.n).forEach((line) => out(line));
      if (designed.textPrompt) out(`The first input as the model read it: ${designed.textPrompt.exampleInput}`);
    }
  } finally {
    p?.dispose();
  }
  return 0;
}

/** eval --shots N: the first N examples of --train, read with the same fields and template as the data. */
async function firstShots(flags: Flags, n: number, spec: Parameters<typeof loadData>[2]): Promise<Example[]> {
  const file = settingFlag(flags, 'train');
  if (file === undefined) throw new UsageError('--shots N takes the first N examples of --train <file|hf:id>; give --train.');
  const { examples } = await loadData(file, 'train', spec);
  if (examples.length < n) throw new UsageError(`--shots ${n}: ${file} has only ${examples.length} examples.`);
  return examples.slice(0, n);
}

/** The label set all prompts share, when they all have the same one. */
function commonLabels(sets: readonly (string[] | undefined)[]): string[] | undefined {
  const [first] = sets;
  return first && sets.every((l) => JSON.stringify(l) === JSON.stringify(first)) ? first : undefined;
}

/** A bad flag value is a usage error (exit 2), said as the parser says it. */
function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw err instanceof DataSpecError ? new UsageError(`${err.message}.`) : err;
  }
}

async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
}

export async function tryCommand(flags: Flags, out: Out): Promise<number> {
  const prompts = (str(flags, 'prompt') ?? '').split(',').filter((p) => p !== '');
  const input = str(flags, 'input');
  const inputs = input !== undefined ? [input] : await readStdinLines();
  if (inputs.length === 0) throw new UsageError('Give --input "text" or lines on standard input.');
  const labelMapText = str(flags, 'label-map');
  if (labelMapText !== undefined) usage(() => parseLabelMap(labelMapText, '--label-map')); // its syntax, named as typed; the engine checks it against the prompts' labels
  const results = await tryPrompts({
    model: need(flags, 'model', 'a model folder or hub id'), prompts, ensemble: flags.ensemble === true, inputs,
    labels: settingFlag(flags, 'labels'), ...(labelMapText !== undefined ? { labelMap: labelMapText } : {}), maxNewTokens: num(flags, 'max-new-tokens'), backend: settingFlag(flags, 'backend'),
  });
  for (const r of results) {
    if (flags.json === true) {
      out(JSON.stringify(r));
      continue;
    }
    out(`input: ${r.input}`);
    if (r.bare !== undefined) out(`  without prompt: ${r.bare}`);
    for (const o of r.outputs) {
      const scores = o.labelScores ? `  [${Object.entries(o.labelScores).map(([l, v]) => `${l} ${v.toFixed(2)}`).join(', ')}]` : '';
      out(`  ${o.prompt}: ${o.text}${o.label !== undefined ? `  -> ${o.label}` : ''}${scores}`);
    }
    if (r.ensemble) {
      const votes = Object.entries(r.ensemble.votes).map(([t, n]) => `${t}: ${n}`).join(', ');
      out(`  ensemble of ${prompts.length}, ${r.ensemble.by === 'label' ? 'voting on labels' : 'voting on generated text'}: ${r.ensemble.text}  (votes ${votes})`);
    }
  }
  return 0;
}

export async function inspectCommand(flags: Flags, out: Out): Promise<number> {
  const insights = await inspectPrompt({ model: need(flags, 'model', 'the prompt\'s model'), prompt: need(flags, 'prompt', 'a prompt folder'), top: num(flags, 'top') ?? 5, backend: settingFlag(flags, 'backend') });
  if (flags.json === true) {
    out(JSON.stringify(insights));
    return 0;
  }
  out(`token  norm (vocab mean)  drift  nearest pieces (cosine)`);
  for (const t of insights) {
    const near = t.nearest.map((n) => `${n.piece} ${n.cosine.toFixed(3)}`).join(', ');
    out(`${String(t.index).padStart(5)}  ${t.norm.toFixed(2)} (${t.vocabMeanNorm.toFixed(2)})  ${t.drift.toFixed(2)}  ${near}${t.isLabel ? '  [label]' : ''}${t.initPiece ? `  init: ${t.initPiece}` : ''}`);
  }
  return 0;
}

export async function convertCommand(flags: Flags, out: Out): Promise<number> {
  const promptPath = need(flags, 'prompt', 'the prompt folder or .npy file to convert');
  const to = str(flags, 'to');
  const target = need(flags, 'out', 'where to write the converted prompt');
  const loaded = loadPrompt(promptPath);
  if (to === 'npy') {
    exportNpy(loaded.prompt, target);
  } else if (to === 'peft') {
    const model = str(flags, 'model');
    if (!model && !loaded.metadata) throw new UsageError('Converting a .npy prompt to a PEFT folder needs --model (the model it belongs to).');
    const identity = model
      ? (await openSession(model, { backend: settingFlag(flags, 'backend') })).identity
      : { name: loaded.metadata!.baseModel, dModel: loaded.prompt.dModel, vocabSize: loaded.metadata!.vocabSize ?? 0, numHeads: 0, numLayers: 0, embeddingFingerprint: loaded.metadata!.embeddingFingerprint ?? '' };
    const { format, formatVersion, baseModel, embeddingFingerprint, dModel, vocabSize, promptLength, ...details } = loaded.metadata ?? ({} as NonNullable<typeof loaded.metadata>);
    savePrompt(target, loaded.prompt, identity, details);
  } else {
    throw new UsageError('--to must be peft or npy.');
  }
  out(flags.json === true ? JSON.stringify({ out: resolve(target), format: to, promptLength: loaded.prompt.k, dModel: loaded.prompt.dModel }) : `Wrote ${to === 'npy' ? '.npy' : 'PEFT folder'} ${resolve(target)} (${loaded.prompt.k} x ${loaded.prompt.dModel}).`);
  return 0;
}
