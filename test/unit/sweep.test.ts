// Sweeps (the paper's Figure 3): the grid's cells, and prompt-tune sweep end to end on the tiny T5:
// each cell a normal run folder, sweep.json agreeing with them, the table and chart, re-runs skipping.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';
import { expandSweep, sampleStd } from '../../src/core/sweep/sweep';
import { readCheckpointState } from '../../src/core/training/checkpoint';
import { withTextPrompt } from '../../src/core/training/data/text-prompt';
import { encodeExamples } from '../../src/core/training/encode';
import { T5Tokenizer } from '../../src/core/tokenizer';
import { SPIECE_MODEL } from '../support/tiny-model';
import { fileSweepView } from '../../src/extension/sweeps/sweep-view-data';

test('the grid: every combination, named by its values, seeds varying fastest, over an untouched base', () => {
  const base = { model: 'm', train: 't.jsonl', out: '/s', steps: 7, lr: 0.5, template: 'q: {q}' };
  const cells = expandSweep(base, { promptLength: [1, 5], init: ['random-uniform', 'class-labels'], seed: [3, 4] }, '/s');
  assert.deepEqual(cells.map((c) => c.name), [
    'prompt-length-1_init-random-uniform_seed-3', 'prompt-length-1_init-random-uniform_seed-4',
    'prompt-length-1_init-class-labels_seed-3', 'prompt-length-1_init-class-labels_seed-4',
    'prompt-length-5_init-random-uniform_seed-3', 'prompt-length-5_init-random-uniform_seed-4',
    'prompt-length-5_init-class-labels_seed-3', 'prompt-length-5_init-class-labels_seed-4',
  ]);
  const c = cells[2];
  assert.deepEqual([c.settings.promptLength, c.settings.init, c.settings.seed], [1, { kind: 'class-labels' }, 3]);
  assert.deepEqual([c.settings.steps, c.settings.lr, c.settings.template, c.settings.model], [7, 0.5, 'q: {q}', 'm'], 'the base\'s settings are kept');
  assert.equal(c.settings.out, join('/s', c.name));
  assert.equal(base.out, '/s', 'the base object is not changed');
  assert.throws(() => expandSweep(base, { promptLength: [5, 0] }, '/s'), /prompt-length-0.*promptLength/s, 'a bad value is named with its cell');
  assert.throws(() => expandSweep(base, { lr: [0.1, 0.1] }, '/s'), /share the folder/);
  assert.ok(Math.abs(sampleStd([0.5, 0.7]) - Math.sqrt(0.02)) < 1e-12, 'std over seeds with n - 1');
  assert.equal(sampleStd([0.5]), 0);
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PROMPT_TUNER_BACKEND: process.env.PROMPT_TUNER_BACKEND ?? 'wasm' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'pt-sweep-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'data.jsonl');
writeFileSync(data, Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: `item ${i} ${i % 2 ? 'apple' : 'pear'}`, label: i % 2 ? 'yes' : 'no' })).join('\n'));

interface SweepJson { metric: string; cells: { name: string; dir: string; seed: number; bestMetric: number; bestStep: number; seconds: number; settings: { promptLength: number; init: { kind: string } } }[] }

test('sweep trains each cell as a run folder, records them in sweep.json and sweep.svg, prints the table, and skips finished cells on a re-run', { skip: SKIP_NO_SHARED }, () => {
  const out = join(dir, 'sweep');
  const args = ['sweep', '--model', tinyModelDir(), '--train', data, '--out', out, '--prompt-length', '2,4', '--init', 'random-uniform,sampled-vocab', '--steps', '2', '--eval-every', '1', '--batch-size', '4', '--lr', '0.3'];
  const r = cli(args);
  assert.equal(r.code, 0, r.stderr);
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepJson;
  assert.equal(sweep.cells.length, 4);
  for (const c of sweep.cells) {
    const state = readCheckpointState(join(c.dir, 'checkpoint'));
    assert.deepEqual([c.bestMetric, c.bestStep], [state.best!.metric, state.best!.step], `${c.name}: sweep.json has its run's best`);
    const meta = JSON.parse(readFileSync(join(c.dir, 'prompt', 'prompt-tuner.json'), 'utf8')) as { promptLength: number; init: { kind: string }; training: { bestStep: number } };
    assert.deepEqual([meta.promptLength, meta.init.kind, meta.training.bestStep], [c.settings.promptLength, c.settings.init.kind, c.bestStep], `${c.name}: its prompt is its cell's`);
    assert.ok(c.seconds > 0);
  }
  // The table: one row per (length, init) with its metric as mean ± std over the one seed.
  const lines = r.stdout.trim().split('\n');
  for (const c of sweep.cells) {
    const row = lines.find((l) => l.split(/ {2,}/).slice(0, 2).join(' ') === `${c.settings.promptLength} ${c.settings.init.kind}`);
    assert.ok(row, `a row for ${c.name}:\n${r.stdout}`);
    assert.ok(row.includes(`${(100 * c.bestMetric).toFixed(1)} ± 0.0`), row);
  }
  // The chart: a line per init, a point per length.
  const svg = readFileSync(join(out, 'sweep.svg'), 'utf8');
  const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(paths.length, 2);
  for (const d of paths) assert.equal(d.split(/[ML]/).filter((s) => s.trim()).length, 2);

  // The extension's Open Sweep Results: the same rows, and each cell's curve from its checkpoint.
  const view = fileSweepView(join(out, 'sweep.json'));
  for (const c of sweep.cells) {
    const row = view.rows.find((r) => r.values.promptLength === String(c.settings.promptLength) && r.values.init === c.settings.init.kind);
    assert.deepEqual([row?.mean, row?.seeds, row?.done, row?.meanBestStep], [c.bestMetric, 1, 1, c.bestStep], `${c.name}: its row`);
    const curve = view.curves.find((k) => k.point === `${c.settings.promptLength} · ${c.settings.init.kind}`);
    const metrics = readCheckpointState(join(c.dir, 'checkpoint')).metrics;
    assert.deepEqual([curve?.steps, curve?.values], [metrics.map((m) => m.step), metrics.map((m) => m.rankAccuracy)], `${c.name}: its validation curve`);
  }
  writeFileSync(join(dir, 'bad-sweep.json'), JSON.stringify({ metric: 'rank', cells: [], rows: [{ seeds: 1 }] }));
  assert.throws(() => fileSweepView(join(dir, 'bad-sweep.json')), /bad-sweep\.json.*rows\[0\]\.values/s);

  const times = sweep.cells.map((c) => statSync(join(c.dir, 'run.json')).mtimeMs);
  const again = cli([...args, '--text-prompt', 'Is it an apple?']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((again.stderr.match(/finished earlier, skipped/g) ?? []).length, 4, again.stderr);
  assert.deepEqual(sweep.cells.map((c) => statSync(join(c.dir, 'run.json')).mtimeMs), times, 'no cell was trained again');
  const rerun = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepJson & { textPrompt: { text: string; metric: number; n: number } };
  assert.deepEqual(rerun.cells.map((c) => [c.name, c.bestMetric, c.seconds]), sweep.cells.map((c) => [c.name, c.bestMetric, c.seconds]));
  // Prompt design's row: the frozen model with the text prompt on the runs' held-out examples.
  assert.deepEqual([rerun.textPrompt.text, rerun.textPrompt.n], ['Is it an apple?', 1]);
  assert.ok(again.stdout.split('\n').some((l) => l.includes('text prompt "Is it an apple?"') && l.includes(`${(100 * rerun.textPrompt.metric).toFixed(1)}% on 1 examples`)), again.stdout);
});

test('a text prompt and shots go in front of each input: the encoded ids begin with the text prompt\'s, then the shots\'', { skip: SKIP_NO_SHARED }, async () => {
  const tok = await T5Tokenizer.load(SPIECE_MODEL);
  const ex = (input: string, target: string, line: number) => ({ input, target, source: { file: 'd', line } });
  const prompted = withTextPrompt([ex('item 7 apple', 'yes', 8)], 'Is it an apple?', [ex('item 0 pear', 'no', 1)]);
  const [e] = encodeExamples(prompted, tok, 512, 16).examples;
  const ids = (text: string) => tok.encode(text, { addEos: false });
  const expected = [...ids('Is it an apple?'), ...ids('item 0 pear no'), ...ids('item 7 apple')];
  assert.deepEqual(e.inputIds.slice(0, -1), expected);
  assert.equal(e.target, 'yes', 'the target is unchanged');
});

test('eval --text-prompt --shots N: the frozen model reads the text, then the first N --train examples through the template, then the input', { skip: SKIP_NO_SHARED }, () => {
  const rows = readFileSync(data, 'utf8').split('\n').map((l) => JSON.parse(l) as { text: string; label: string });
  const base = ['eval', '--model', tinyModelDir(), '--data', data, '--template', 'Q: {text} A:', '--metric', 'rank', '--json'];
  const plain = cli(base);
  const r = cli([...base, '--text-prompt', 'Is it an apple?', '--shots', '2', '--train', data]);
  assert.equal(r.code, 0, r.stderr);
  const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as { loss: number; n: number; textPrompt: { text: string; shots: number; exampleInput: string } };
  const res = last(r.stdout);
  const q = (i: number) => `Q: ${rows[i].text} A:`;
  assert.deepEqual(res.textPrompt, { text: 'Is it an apple?', shots: 2, exampleInput: `Is it an apple? ${q(0)} ${rows[0].label} ${q(1)} ${rows[1].label} ${q(0)}` });
  assert.equal(res.n, 12);
  assert.notEqual(res.loss, last(plain.stdout).loss, 'the model read other inputs');
  assert.equal(cli([...base, '--shots', '2']).code, 2, '--shots without --train is a usage error');
});
