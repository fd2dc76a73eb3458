// A run handed to HF PEFT + Accelerate and its prompt taken back (prompt-tune export-job / import),
// against the peer itself: our trainer runs a few steps on a golden tiny T5 (dropout off), the job
// exported from that run trains with PEFT on two CPU processes under `accelerate launch`, and
//  - its step losses are ours (the same batches, initial prompt, loss and optimiser): the first within 1e-4;
//  - the adapter it saves imports into our engine, which evaluates it as the job did;
//  - a MultiRC run (task rows resolved by export-job, F1a and EM per question) scores as ours does;
//  - importing it for another checkpoint of the same width is refused by the fingerprint train.py recorded;
// the import runs as the CLI's `prompt-tune import` and as the worker's importPeft (the extension's command).
// Needs the peer's venv (torch, transformers, PEFT, accelerate: ../shared/bench/setup_peft_venv.sh) in
// $PROMPT_TUNER_PEER_VENV or ~/.cache/prompt-tuner/peft-venv; skipped without it, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession } from '../../src/core/session';
import { loadPrompt, promptToTensor } from '../../src/core/prompt';
import { train } from '../../src/core/training/trainer';
import { loadCheckpoint } from '../../src/core/training/checkpoint';
import { encodeExamples } from '../../src/core/training/encode';
import { evaluate } from '../../src/core/training/evaluate';
import { loadExamples } from '../../src/core/training/data/dataset';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { exportPeftJob } from '../../src/core/peft-job/export-job';
import { parseWorkerMessage, type HostToWorker, type WorkerToHost } from '../../src/worker/protocol';
import { Rng } from '../../src/core/rng';
import { defaultPeerVenv } from '../../scripts/bench/peer';
import { SHARED_DIR, SKIP_NO_SHARED } from '../support/shared';
import { idVocabulary } from '../support/id-vocabulary';
import { relDiff } from '../support/golden';

const VENV = process.env.PROMPT_TUNER_PEER_VENV || defaultPeerVenv();
const PEER_ENV = { ...process.env, PYTHONPATH: join(VENV, 'shims'), HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: '1', ACCELERATE_USE_CPU: 'true' };
const peerReady = () => spawnSync(join(VENV, 'bin', 'python'), ['-c', 'import torch, transformers, peft, accelerate'], { env: PEER_ENV, stdio: 'ignore' }).status === 0;
const NO_PEER = `the peer's venv ${VENV} (torch, transformers, PEFT, accelerate) is missing: make it with ../shared/bench/setup_peft_venv.sh or set PROMPT_TUNER_PEER_VENV`;
const skip = SKIP_NO_SHARED || (peerReady() ? false : NO_PEER);
if (skip === NO_PEER && process.env.CI === 'true') throw new Error(`CI=true but ${NO_PEER}.`);

const GOLDEN = join(SHARED_DIR, 'fixtures', 't5-golden');

/** A golden fixture's weights with a tokenizer for its ids, in a folder of its own. */
function modelFolder(work: string, fixture: string): string {
  const dir = join(work, fixture);
  mkdirSync(dir);
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(join(GOLDEN, fixture, file), join(dir, file));
  const { vocab_size: vocab } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { vocab_size: number };
  writeFileSync(join(dir, 'spiece.model'), idVocabulary(vocab));
  return dir;
}

/**
 * Two fields joined by the template, a numeric label for the verbalizer; some inputs longer than the
 * budget. As MultiRC: the fields are question and answer, two answer options per question (idx).
 */
function dataFile(path: string, n: number, seed: number, multirc: boolean): void {
  const rng = new Rng(seed);
  const words = (count: number) => Array.from({ length: count }, () => `t${3 + rng.int(300)}`).join(' ');
  const lines = Array.from({ length: n }, (_, i) => {
    const [a, b, label] = [words(1 + rng.int(8)), words(1 + rng.int(8)), rng.int(2)];
    return JSON.stringify(multirc ? { paragraph: words(2), question: a, answer: b, idx: { paragraph: seed, question: Math.floor(i / 2), answer: i }, label } : { a, b, y: label });
  });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const REPO = join(__dirname, '..', '..');

/** The prompt path and whether the fingerprint was checked, or the error's message. */
type Imported = { path: string; fingerprintChecked: boolean } | { error: string };

/** `prompt-tune import`, as a user runs it. */
function importWithCli(adapter: string, model: string, out: string): Imported {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'import', '--adapter', adapter, '--model', model, '--out', out, '--json'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) return { error: r.stderr };
  const { out: path, fingerprintChecked } = JSON.parse(r.stdout) as { out: string; fingerprintChecked: boolean };
  return { path, fingerprintChecked };
}

/** The extension's route: an importPeft request to the worker (Import PEFT Prompt...). */
async function importWithWorker(adapter: string, model: string, out: string): Promise<Imported> {
  const child = fork(join(REPO, 'src', 'worker', 'worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  try {
    const reply = await new Promise<WorkerToHost>((resolve, reject) => {
      child.on('message', (raw: unknown) => {
        const m = parseWorkerMessage(raw);
        if ((m.type === 'imported' || m.type === 'error') && m.id === 1) resolve(m);
      });
      child.on('exit', (code) => reject(new Error(`the worker exited (${code}) without answering`)));
      child.send({ type: 'importPeft', id: 1, adapter, model, out } satisfies HostToWorker);
    });
    if (reply.type === 'error') return { error: reply.message };
    if (reply.type !== 'imported') throw new Error(`unexpected reply ${reply.type}`);
    return { path: reply.path, fingerprintChecked: reply.fingerprintChecked };
  } finally {
    child.kill();
  }
}

interface LogEvent {
  event: string;
  step?: number;
  loss?: number;
  processes?: number;
  validLoss?: number;
  exactMatch?: number;
  rankAccuracy?: number;
  f1?: number;
  groupExactMatch?: number;
  best?: boolean;
}

// Targets of 2 and 3 tokens, so the batch's token mean weighs rows unequally; Adam also sees the
// gradient's scale, which Adafactor's normalised update hides.
const VERBALIZER = '0=t40,1=t41 t42';

const CASES = [
  { name: 'adafactor', optimizer: 'adafactor', multirc: false },
  { name: 'adam', optimizer: 'adam', multirc: false },
  // --task multirc with a template and label words of ids the tiny model's vocabulary has; the metric stays the preset's f1a-em.
  { name: 'MultiRC rows, F1a and EM per question', optimizer: 'adafactor', multirc: true },
] as const;

for (const { name, optimizer, multirc } of CASES) {
test(`an exported job (${name}) trains with PEFT + Accelerate on 2 processes as our trainer does, and its prompt comes back`, { skip, timeout: 120_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'pt-peft-job-'));
  try {
    const model = modelFolder(work, 't5-v1_1-tiny');
    const trainFile = join(work, 'train.jsonl');
    const validFile = join(work, 'valid.jsonl');
    dataFile(trainFile, 12, 1, multirc);
    dataFile(validFile, multirc ? 6 : 4, 2, multirc);
    const data = multirc ? { task: 'multirc' as const, template: '{question} t7 {answer}', targetField: 'label' } : { template: '{a} t7 {b}', targetField: 'y' };
    const settings = resolveRunSettings({
      model, train: trainFile, valid: validFile, ...data, verbalizer: VERBALIZER, optimizer,
      promptLength: 4, init: 'class-labels', batchSize: 4, steps: 3, evalEvery: 3, dropout: 0, maxInputLength: 12, maxTargetLength: 4, seed: 5, out: join(work, 'run'),
    });
    const done = await train(settings, { onEvent: () => undefined });
    assert.equal(done.status, 'completed', done.message);
    const ours = loadCheckpoint(join(work, 'run', 'checkpoint')).state.losses.map((l) => l.loss);

    const job = (await exportPeftJob(join(work, 'run'), join(work, 'job'))).dir;
    const launched = spawnSync(join(VENV, 'bin', 'accelerate'), ['launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1', '--mixed_precision', 'no', '--dynamo_backend', 'no', 'train.py'], { cwd: job, env: PEER_ENV, encoding: 'utf8', timeout: 150_000 });
    assert.equal(launched.status, 0, `accelerate launch failed:\n${launched.stderr.slice(-4000)}`);
    const events = readFileSync(join(job, 'output', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogEvent);
    assert.equal(events.find((e) => e.event === 'started')?.processes, 2, 'the job ran on two processes');
    const peft = events.filter((e) => e.event === 'step').map((e) => e.loss!);
    console.log(`step losses: ours ${ours.map((l) => l.toFixed(6)).join(' ')}, PEFT ${peft.map((l) => l.toFixed(6)).join(' ')}`);
    assert.equal(peft.length, ours.length);
    assert.ok(Math.abs(peft[0] - ours[0]) <= 1e-4, `first-step loss: PEFT ${peft[0]} vs ours ${ours[0]}`);
    peft.forEach((loss, i) => assert.ok(relDiff(loss, ours[i]) <= 1e-3, `step ${i + 1}: PEFT ${loss} vs ours ${ours[i]}`));

    // The adapter back in our engine (by the CLI, or the worker as the extension asks it), evaluated as the job evaluated it.
    const importAdapter = optimizer === 'adafactor' ? importWithCli : importWithWorker;
    const imported = await importAdapter(join(job, 'output', 'prompt'), model, join(work, 'prompts', 'from-peft'));
    assert.ok('path' in imported, `the import failed: ${'error' in imported ? imported.error : ''}`);
    assert.equal(imported.fingerprintChecked, true);
    const s = await openSession(model);
    const loaded = loadPrompt(imported.path, s.identity);
    assert.deepEqual(loaded.metadata?.labels, ['t40', 't41 t42']);
    assert.equal(loaded.metadata?.template, data.template, 'the run\'s template, also when the job trained on resolved rows');
    const best = events.filter((e) => e.event === 'eval' && e.best === true).at(-1)!; // the prompt the job saved
    const valid = encodeExamples(loadExamples(validFile, { ...data, verbalizer: VERBALIZER }).examples, s.tokenizer, 12 - 4, 4).examples;
    const p = promptToTensor(loaded.prompt);
    // One example per batch: the job's validation loss is the mean of the examples' losses.
    const r = evaluate(s.model, s.tokenizer, p, valid, { batchSize: 1, labels: loaded.metadata?.labels, maxTargetLength: 4, metric: settings.metric });
    p.dispose();
    console.log(`the job's evaluation of its best prompt (step ${best.step}): loss ${best.validLoss}, rank ${best.rankAccuracy}, F1 ${best.f1}, EM ${best.groupExactMatch}; ours of its prompt: loss ${r.validLoss}, rank ${r.rankAccuracy}, F1 ${r.f1}, EM ${r.groupExactMatch}`);
    assert.ok(relDiff(r.validLoss, best.validLoss!) <= 1e-4, `validation loss: ours ${r.validLoss} vs the job's ${best.validLoss}`);
    assert.equal(r.rankAccuracy, best.rankAccuracy);
    assert.equal(r.exactMatch, best.exactMatch);
    assert.deepEqual([r.f1, r.groupExactMatch], [best.f1, best.groupExactMatch], 'F1a and EM per question, when the metric is f1a-em');
    if (multirc) assert.equal(settings.metric, 'f1a-em');

    // Another checkpoint of the same width: the recorded fingerprint refuses it.
    const refused = await importAdapter(join(job, 'output', 'prompt'), modelFolder(work, 't5-v1_0-tiny'), join(work, 'prompts', 'wrong'));
    assert.ok('error' in refused, 'the import for another checkpoint was refused');
    assert.match(refused.error, /this prompt was trained on ".*t5-v1_1-tiny", whose input embeddings differ from those of ".*t5-v1_0-tiny" \(fingerprint v1:/);
    assert.equal(existsSync(join(work, 'prompts', 'wrong')), false);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
}
