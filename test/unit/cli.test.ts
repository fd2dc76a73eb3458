// prompt-tune as a user runs it: real processes, exit codes, JSON output, and one- or two-sentence
// errors without stack traces.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';
import { readSafetensors } from '../../src/core/io/safetensors';
import { loadCheckpoint } from '../../src/core/training/checkpoint';

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', input, env: { ...process.env, PROMPT_TUNER_BACKEND: process.env.PROMPT_TUNER_BACKEND ?? 'wasm' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'pt-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'data.jsonl');
writeFileSync(data, Array.from({ length: 16 }, (_, i) => JSON.stringify({ text: `item ${i} ${i % 2 ? 'apple' : 'pear'}`, label: i % 2 ? 'yes' : 'no' })).join('\n'));
const run = join(dir, 'run');

test('train --json emits one JSON event per line and saves a prompt', { skip: SKIP_NO_SHARED }, () => {
  const r = cli(['train', '--model', tinyModelDir(), '--train', data, '--out', run, '--steps', '4', '--eval-every', '2', '--batch-size', '4', '--prompt-length', '3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string });
  assert.equal(events[0].type, 'log');
  assert.ok(events.some((e) => e.type === 'started'));
  assert.equal(events.filter((e) => e.type === 'step').length, 4);
  assert.equal(events.at(-1)?.type, 'done');
  assert.equal(events.at(-1)?.status, 'completed');
  assert.ok(existsSync(join(run, 'prompt', 'adapter_model.safetensors')));
});

test('eval --json ends with one object holding accuracy and n', { skip: SKIP_NO_SHARED }, () => {
  const r = cli(['eval', '--model', tinyModelDir(), '--prompt', join(run, 'prompt'), '--data', data, '--metric', 'rank', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { accuracy: number; n: number; metric: string };
  assert.equal(last.n, 16);
  assert.equal(last.metric, 'rank');
  assert.ok(last.accuracy >= 0 && last.accuracy <= 1);
});

test('try runs the bare model, a prompt and an ensemble; inspect lists every prompt token', { skip: SKIP_NO_SHARED }, () => {
  const prompt = join(run, 'prompt');
  const r = cli(['try', '--model', tinyModelDir(), '--prompt', `${prompt},${prompt}`, '--ensemble', '--json'], 'item 3 apple\nitem 4 pear\n');
  assert.equal(r.code, 0, r.stderr);
  const results = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { input: string; bare: string; outputs: { text: string; labelScores: Record<string, number>; label: string }[]; ensemble: { text: string; by: string } });
  assert.deepEqual(results.map((x) => x.input), ['item 3 apple', 'item 4 pear']);
  for (const x of results) {
    assert.equal(x.outputs.length, 2);
    assert.equal(x.outputs[0].text, x.outputs[1].text, 'the same prompt twice gives the same output in one batch');
    assert.deepEqual(Object.keys(x.outputs[0].labelScores), ['no', 'yes']);
    const { no, yes } = x.outputs[0].labelScores;
    assert.equal(x.outputs[0].label, yes >= no ? 'yes' : 'no', 'the rank-classified label is the higher-scoring one');
    assert.deepEqual([x.ensemble.by, x.ensemble.text], ['label', x.outputs[0].label], 'prompts with labels vote on labels');
    assert.equal(typeof x.bare, 'string');
  }
  const i = cli(['inspect', '--model', tinyModelDir(), '--prompt', prompt, '--top', '3', '--json']);
  assert.equal(i.code, 0, i.stderr);
  const insights = JSON.parse(i.stdout) as { nearest: unknown[] }[];
  assert.equal(insights.length, 3);
  assert.ok(insights.every((t) => t.nearest.length === 3));
});

test('convert writes a .npy that reads back, and a PEFT folder', { skip: SKIP_NO_SHARED }, () => {
  const npy = join(dir, 'p.npy');
  assert.equal(cli(['convert', '--prompt', join(run, 'prompt'), '--to', 'npy', '--out', npy]).code, 0);
  const back = join(dir, 'back');
  const r = cli(['convert', '--prompt', npy, '--to', 'peft', '--out', back, '--model', tinyModelDir(), '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { out: back, format: 'peft', promptLength: 3, dModel: 32 });
});

test('errors are plain sentences naming the problem, with a non-zero exit and no stack trace', { skip: SKIP_NO_SHARED }, () => {
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"text": "ok", "label": "yes"}\n{"text": "broken", "label": \n');
  const r = cli(['train', '--model', tinyModelDir(), '--train', bad, '--out', join(dir, 'x')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /bad\.jsonl, line 2/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --debug');
  const missing = cli(['train', '--train', data, '--out', join(dir, 'y')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--model is required/);
  const badFlag = cli(['train', '--model', tinyModelDir(), '--train', data, '--out', join(dir, 'z'), '--steps', '0', '--init', 'zeros']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--init is not a prompt initialisation \("zeros" is not known.*; --steps must be at least 1 \(got 0\)/);
  const nomodel = cli(['eval', '--model', join(dir, 'nope'), '--data', data]);
  assert.equal(nomodel.code, 1);
  assert.match(nomodel.stderr, /nope/);
});

test('export-job writes a PEFT + Accelerate job with the run\'s settings, data and initial prompt', { skip: SKIP_NO_SHARED }, () => {
  const job = join(dir, 'job');
  const r = cli(['export-job', '--run', run, '--out', job, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { out: job, model: tinyModelDir(), steps: 4, batchSize: 4, promptLength: 3 });
  for (const file of ['train.py', 'requirements.txt', 'README.md', 'accelerate/one-gpu.yaml', 'accelerate/multi-gpu.yaml']) assert.ok(existsSync(join(job, file)), file);
  assert.equal(readFileSync(join(job, 'data', 'train.jsonl'), 'utf8'), readFileSync(data, 'utf8'));
  const settings = JSON.parse(readFileSync(join(job, 'job.json'), 'utf8')) as { optimizer: Record<string, unknown>; evalEvery: number; data: { train: string } };
  // The paper's Adafactor (Lester et al. 2021, §3), as HF's constructor takes it.
  assert.deepEqual(settings.optimizer, { kind: 'adafactor', lr: 0.3, eps1: 1e-30, eps2: 1e-3, clipThreshold: 1, decayRate: -0.8, weightDecay: 1e-5, scaleParameter: false, relativeStep: false, warmupInit: false });
  assert.equal(settings.evalEvery, 2);
  // The prompt the run started from, not the one it trained.
  const initial = readSafetensors(readFileSync(join(job, 'initial_prompt.safetensors')), 'job').tensors.get('prompt')!;
  assert.deepEqual(Array.from(initial.data), Array.from(loadCheckpoint(join(run, 'checkpoint')).initial.data));
  assert.match(readFileSync(join(job, 'requirements.txt'), 'utf8'), /^peft==0\.21\.0$/m);
});

test('export-job and import refuse what they cannot use, in a sentence naming it', { skip: SKIP_NO_SHARED }, () => {
  const notRun = cli(['export-job', '--run', dir, '--out', join(dir, 'job2')]);
  assert.equal(notRun.code, 1);
  assert.match(notRun.stderr, /no run\.json here; --run takes a run folder/);
  const taken = join(dir, 'taken');
  mkdirSync(taken);
  writeFileSync(join(taken, 'notes.txt'), 'mine');
  const occupied = cli(['export-job', '--run', run, '--out', taken]);
  assert.equal(occupied.code, 1);
  assert.match(occupied.stderr, /taken already holds other files and is not an exported job/);
  assert.equal(readFileSync(join(taken, 'notes.txt'), 'utf8'), 'mine');
  const noAdapter = cli(['import', '--model', tinyModelDir(), '--out', join(dir, 'imported')]);
  assert.equal(noAdapter.code, 2);
  assert.match(noAdapter.stderr, /--adapter is required/);
});

const lines = (stdout: string) => stdout.trim().split('\n');
const lastJson = <T>(stdout: string) => JSON.parse(lines(stdout).at(-1)!) as T;
interface Checks { labels: string[]; golds: string[]; confusion: number[][]; invalid: number; invalidExamples: { text: string; count: number }[]; neverPredicted: string[] }
interface EvalJson { accuracy: number; exactMatch: number; rankAccuracy?: number; n: number; labelChecks: Checks }

test('eval reports the outputs that are no label, the labels never produced and the confusion matrix, as text and JSON', { skip: SKIP_NO_SHARED }, () => {
  const r = cli(['eval', '--model', tinyModelDir(), '--prompt', join(run, 'prompt'), '--data', data, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { labelChecks: c, exactMatch, n } = lastJson<EvalJson>(r.stdout);
  assert.deepEqual([c.labels, c.golds], [['no', 'yes'], ['no', 'yes']]);
  // The data file holds 8 "no" and 8 "yes" examples: each row of the matrix counts its gold label's examples.
  assert.deepEqual(c.confusion.map((row) => row.reduce((a, b) => a + b, 0)), [8, 8]);
  assert.equal(c.invalid, c.confusion[0][2] + c.confusion[1][2]);
  assert.equal((c.confusion[0][0] + c.confusion[1][1]) / n, exactMatch, 'the diagonal is what exact match counts right');
  assert.deepEqual(c.neverPredicted, c.labels.filter((_, col) => c.confusion[0][col] + c.confusion[1][col] === 0));
  assert.equal(c.invalidExamples.reduce((a, x) => a + x.count, 0) <= c.invalid, true);
  const text = cli(['eval', '--model', tinyModelDir(), '--prompt', join(run, 'prompt'), '--data', data]);
  assert.equal(text.code, 0, text.stderr);
  const out = lines(text.stdout);
  assert.match(out[1], new RegExp(`^outputs that are no label: ${c.invalid} of 16`));
  assert.equal(out[2], `labels never produced: ${c.neverPredicted.length > 0 ? c.neverPredicted.join(', ') : 'none'}`);
  assert.equal(out[3], 'confusion (rows: gold label, columns: output):');
  assert.deepEqual(out.slice(5).map((l) => l.trim().split(/\s+/)), [['no', ...c.confusion[0].map(String)], ['yes', ...c.confusion[1].map(String)]]);
});

test('eval --label-map reads the prompt\'s labels as another task\'s: the same answers on relabelled data score the same', { skip: SKIP_NO_SHARED }, () => {
  const renamed = join(dir, 'renamed.jsonl');
  const rename: Record<string, string> = { no: 'not_duplicate', yes: 'duplicate' };
  writeFileSync(renamed, Array.from({ length: 16 }, (_, i) => JSON.stringify({ text: `item ${i} ${i % 2 ? 'apple' : 'pear'}`, label: rename[i % 2 ? 'yes' : 'no'] })).join('\n'));
  const prompt = join(run, 'prompt');
  const own = cli(['eval', '--model', tinyModelDir(), '--prompt', prompt, '--data', data, '--metric', 'rank', '--json']);
  const moved = cli(['eval', '--model', tinyModelDir(), '--prompt', prompt, '--data', renamed, '--metric', 'rank', '--label-map', 'no=not_duplicate,yes=duplicate', '--json']);
  const unmapped = cli(['eval', '--model', tinyModelDir(), '--prompt', prompt, '--data', renamed, '--metric', 'rank', '--json']);
  for (const x of [own, moved, unmapped]) assert.equal(x.code, 0, x.stderr);
  const [a, b, none] = [own, moved, unmapped].map((x) => lastJson<EvalJson>(x.stdout));
  assert.deepEqual([b.rankAccuracy, b.exactMatch], [a.rankAccuracy, a.exactMatch]);
  assert.deepEqual(b.labelChecks.labels, ['not_duplicate', 'duplicate']);
  assert.deepEqual([b.labelChecks.confusion, b.labelChecks.invalidExamples], [a.labelChecks.confusion, a.labelChecks.invalidExamples]);
  assert.equal(none.rankAccuracy, 0, 'without the map the prompt\'s labels (no, yes) never equal the data\'s');
  const bad = cli(['eval', '--model', tinyModelDir(), '--prompt', prompt, '--data', renamed, '--label-map', 'no=not_duplicate,yes']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--label-map: entry 2 "yes" has no "=" in "no=not_duplicate,yes"; write prompt_label=data_label pairs/);
  const stray = cli(['eval', '--model', tinyModelDir(), '--prompt', prompt, '--data', renamed, '--label-map', 'no=not_duplicate,yes=duplicate,maybe=x']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--label-map: entry 3 maps "maybe", which is not one of the prompt's labels \("no", "yes"\)/);
});

test('eval --ensemble: the vote\'s accuracy, each member\'s and the share of examples where they disagree', { skip: SKIP_NO_SHARED }, () => {
  const other = join(dir, 'run2');
  assert.equal(cli(['train', '--model', tinyModelDir(), '--train', data, '--out', other, '--steps', '4', '--eval-every', '2', '--batch-size', '4', '--prompt-length', '3', '--seed', '1', '--json']).code, 0);
  const [p1, p2] = [join(run, 'prompt'), join(other, 'prompt')];
  const single = (p: string) => lastJson<EvalJson>(cli(['eval', '--model', tinyModelDir(), '--prompt', p, '--data', data, '--metric', 'rank', '--json']).stdout);
  const [s1, s2] = [single(p1), single(p2)];
  interface EnsembleJson { vote: string; accuracy: number; n: number; members: { prompt: string; accuracy: number }[]; disagreement: number; labelChecks: EvalJson['labelChecks'] }
  // Three members, the first twice: its label has at least 2 votes of 3 on every example, so the vote is its answer.
  const ranked = cli(['eval', '--model', tinyModelDir(), '--ensemble', `${p1},${p2},${p1}`, '--data', data, '--metric', 'rank', '--json']);
  assert.equal(ranked.code, 0, ranked.stderr);
  const e = lastJson<EnsembleJson>(ranked.stdout);
  assert.equal(e.vote, 'label');
  assert.deepEqual(e.members.map((m) => m.accuracy), [s1.rankAccuracy, s2.rankAccuracy, s1.rankAccuracy], 'each member as evaluated alone');
  assert.equal(e.accuracy, s1.rankAccuracy);
  // The vote's label checks: a ranked vote is always a label, and the confusion matrix's diagonal is what it got right.
  const ec = e.labelChecks;
  assert.equal(ec.invalid, 0);
  assert.deepEqual(ec.golds, ['no', 'yes']);
  assert.equal(ec.confusion.reduce((sum, row, r) => sum + row[r], 0), e.accuracy * 16);
  assert.deepEqual(ec.confusion.map((row) => row.reduce((a, b) => a + b, 0)), [8, 8], 'each gold label\'s examples');
  assert.deepEqual(ec.neverPredicted, ec.labels.filter((_, c) => ec.confusion.every((row) => row[c] === 0)));
  // One prompt twice voting on text: the vote is that prompt's generated text, so its checks are plain eval's.
  const twice = cli(['eval', '--model', tinyModelDir(), '--ensemble', `${p1},${p1}`, '--data', data, '--metric', 'exact-match', '--json']);
  assert.equal(twice.code, 0, twice.stderr);
  const alone = lastJson<EvalJson>(cli(['eval', '--model', tinyModelDir(), '--prompt', p1, '--data', data, '--metric', 'exact-match', '--json']).stdout);
  assert.deepEqual(lastJson<EnsembleJson>(twice.stdout).labelChecks, alone.labelChecks);
  // Voting on generated text, the members disagree where their generations differ: count them from try's outputs.
  const texts = cli(['eval', '--model', tinyModelDir(), '--ensemble', `${p1},${p2}`, '--data', data, '--metric', 'exact-match', '--json']);
  assert.equal(texts.code, 0, texts.stderr);
  const t = lastJson<EnsembleJson>(texts.stdout);
  assert.equal(t.vote, 'text');
  const inputs = Array.from({ length: 16 }, (_, i) => `item ${i} ${i % 2 ? 'apple' : 'pear'}`).join('\n');
  // "yes" and "no" are one piece and eos: eval generates 2 tokens.
  const tried = cli(['try', '--model', tinyModelDir(), '--prompt', `${p1},${p2}`, '--max-new-tokens', '2', '--json'], inputs);
  assert.equal(tried.code, 0, tried.stderr);
  const differ = lines(tried.stdout).filter((l) => {
    const [a, b] = (JSON.parse(l) as { outputs: { text: string }[] }).outputs;
    return a.text !== b.text;
  }).length;
  assert.equal(t.disagreement, differ / 16);
  assert.deepEqual(t.members.map((m) => m.accuracy), [s1.exactMatch, s2.exactMatch]);
  const text = cli(['eval', '--model', tinyModelDir(), '--ensemble', `${p1},${p2}`, '--data', data, '--metric', 'exact-match']);
  assert.match(text.stdout, new RegExp(`members disagree on ${(100 * t.disagreement).toFixed(1)}% of the examples`));
  assert.match(text.stdout, new RegExp(`outputs that are no label: ${t.labelChecks.invalid} of 16[^\\n]*\\nlabels never produced: [^\\n]*\\nconfusion \\(rows: gold label, columns: output\\):`));
  const one = cli(['eval', '--model', tinyModelDir(), '--ensemble', p1, '--data', data]);
  assert.equal(one.code, 2);
  assert.match(one.stderr, /--ensemble needs at least two prompt folders/);
});

test('try --label-map names the prompt\'s label scores and label in the data\'s terms; labels it joins add their probabilities', { skip: SKIP_NO_SHARED }, () => {
  const prompt = join(run, 'prompt');
  type Tried = { outputs: { labelScores: Record<string, number>; label: string }[] };
  const tryWith = (...extra: string[]) => {
    const r = cli(['try', '--model', tinyModelDir(), '--prompt', prompt, '--input', 'item 3 apple', '--json', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(lines(r.stdout)[0]) as Tried).outputs[0];
  };
  const own = tryWith();
  const moved = tryWith('--label-map', 'no=not_duplicate,yes=duplicate');
  assert.deepEqual(moved.labelScores, { not_duplicate: own.labelScores.no, duplicate: own.labelScores.yes });
  assert.equal(moved.label, own.label === 'yes' ? 'duplicate' : 'not_duplicate');
  const joined = tryWith('--label-map', 'no=any,yes=any');
  assert.ok(Math.abs(joined.labelScores.any - Math.log(Math.exp(own.labelScores.no) + Math.exp(own.labelScores.yes))) < 1e-9);
  const bad = cli(['try', '--model', tinyModelDir(), '--prompt', prompt, '--input', 'x', '--label-map', 'no=not_duplicate']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /label map: the prompt's label "yes" has no entry; add yes=<data label>/);
});
