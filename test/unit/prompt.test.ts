// The soft-prompt module on a tiny made-up embedding matrix: .npy files (checked with NumPy when it
// is installed), refusal of prompts made for another model, every init of §3.2, insights, ensembling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend } from '../../src/core';
import { Rng } from '../../src/core/rng';
import {
  FIRST_ORDINARY_ID,
  NpyError,
  PromptFileError,
  PromptMismatchError,
  encodeNpy,
  ensemblePromptTensor,
  exportNpy,
  groupReplicated,
  initPrompt,
  loadPrompt,
  majorityVote,
  promptInsights,
  promptRow,
  readNpy,
  replicateExamples,
  savePrompt,
  softPrompt,
  type InitContext,
  type ModelIdentity,
  type SoftPrompt,
} from '../../src/core/prompt';

const VOCAB = 40;
const D = 4;
// Row v of the made-up embedding matrix: distinct, exactly representable values.
const embeddingRow = (v: number) => Array.from({ length: D }, (_, j) => ((v * 7 + j * 3) % 11) / 8 - 0.5 + v / 64);

let tmp = '';
let shared: tf.Tensor2D;
before(async () => {
  await selectBackend();
  tmp = mkdtempSync(join(tmpdir(), 'prompt-unit-'));
  shared = tf.tensor2d(Array.from({ length: VOCAB }, (_, v) => embeddingRow(v)));
});
after(() => {
  shared.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const identity = (over: Partial<ModelIdentity> = {}): ModelIdentity => ({
  name: 'tiny-a',
  dModel: D,
  vocabSize: VOCAB,
  numHeads: 2,
  numLayers: 1,
  embeddingFingerprint: 'v1:aaaa',
  ...over,
});

const samplePrompt = (k = 3, d = D): SoftPrompt => softPrompt(Float32Array.from({ length: k * d }, (_, i) => Math.fround(Math.sin(i + 1) * 1.7)), k, d);

const ctx = (over: Partial<InitContext> = {}): InitContext => ({ k: 5, shared, model: identity(), rng: new Rng(7), ...over });

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const SKIP_NO_NUMPY = hasNumpy ? false : 'python3 with numpy is not installed: the .npy files were not cross-checked with NumPy';

// ---- .npy ----

test('npy: v1.0 header is what NumPy writes and the values round-trip exactly', () => {
  const prompt = samplePrompt(3, 5);
  const bytes = encodeNpy(prompt);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLen = bytes[8] | (bytes[9] << 8);
  const header = Buffer.from(bytes.subarray(10, 10 + headerLen)).toString('latin1');
  assert.equal((10 + headerLen) % 64, 0, 'data must start on a 64-byte boundary');
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3, 5\), \} *\n$/);
  assert.equal(bytes.length, 10 + headerLen + 3 * 5 * 4);
  const path = join(tmp, 'p.npy');
  exportNpy(prompt, path);
  const back = readNpy(path);
  assert.deepEqual([back.k, back.dModel], [3, 5]);
  assert.deepEqual(back.data, prompt.data);
});

test('npy: NumPy reads our file and we read NumPy\'s (f4, f8, Fortran order)', { skip: SKIP_NO_NUMPY }, () => {
  const prompt = samplePrompt(2, 3);
  const ours = join(tmp, 'ours.npy');
  exportNpy(prompt, ours);
  const seen = JSON.parse(execFileSync('python3', ['-c', 'import json,sys,numpy as np; a=np.load(sys.argv[1]); print(json.dumps({"dtype": str(a.dtype), "shape": a.shape, "data": a.tolist()}))', ours], { encoding: 'utf8' })) as { dtype: string; shape: number[]; data: number[][] };
  assert.equal(seen.dtype, 'float32');
  assert.deepEqual(seen.shape, [2, 3]);
  assert.deepEqual(Float32Array.from(seen.data.flat()), prompt.data);

  const script = 'import sys,numpy as np; a=np.arange(6).reshape(2,3)/4-0.3; np.save(sys.argv[1], a.astype(np.float32)); np.save(sys.argv[2], np.asfortranarray(a))';
  execFileSync('python3', ['-c', script, join(tmp, 'np32.npy'), join(tmp, 'np64f.npy')]);
  const expected = Float32Array.from([0, 1, 2, 3, 4, 5].map((x) => x / 4 - 0.3));
  assert.deepEqual(readNpy(join(tmp, 'np32.npy')).data, expected);
  const f64 = readNpy(join(tmp, 'np64f.npy'));
  assert.deepEqual([f64.k, f64.dModel], [2, 3]);
  assert.deepEqual(f64.data, expected);
});

test('npy: wrong files get errors naming the file and the problem', () => {
  const bad = join(tmp, 'bad.npy');
  writeFileSync(bad, 'not numpy');
  assert.throws(() => readNpy(bad), (e: Error) => e instanceof NpyError && e.message.includes(bad) && /magic/.test(e.message));
  const ints = Buffer.from(encodeNpy(samplePrompt(1, 2)));
  ints.write("'<i4'", ints.indexOf("'<f4'"), 'latin1');
  writeFileSync(bad, ints);
  assert.throws(() => readNpy(bad), /dtype "<i4".*astype\(np\.float32\)/);
  writeFileSync(bad, encodeNpy(samplePrompt(2, 3)).subarray(0, 80));
  assert.throws(() => readNpy(bad), /truncated/);
});

// ---- prompt folders and model checks ----

test('folders: save -> load round-trips and keeps the metadata', () => {
  const dir = join(tmp, 'round');
  const prompt = samplePrompt();
  savePrompt(dir, prompt, identity(), { labels: ['yes', 'no'], metrics: [{ step: 10, validLoss: 0.5 }] });
  const back = loadPrompt(dir, identity());
  assert.equal(back.source, 'prompt-tuner');
  assert.deepEqual(back.prompt.data, prompt.data);
  assert.equal(back.metadata?.baseModel, 'tiny-a');
  assert.deepEqual(back.metadata?.metrics, [{ step: 10, validLoss: 0.5 }]);
  savePrompt(dir, samplePrompt(2), identity()); // replacing a prompt folder is allowed
  assert.equal(loadPrompt(dir).prompt.k, 2);
});

test('folders: a prompt made for another model is refused, naming the folder and both models', () => {
  const dir = join(tmp, 'mismatch');
  savePrompt(dir, samplePrompt(), identity());
  const named = (...parts: string[]) => (e: Error) => e instanceof PromptMismatchError && parts.every((p) => e.message.includes(p));
  assert.throws(() => loadPrompt(dir, identity({ name: 'tiny-b', embeddingFingerprint: 'v1:bbbb' })), named(dir, '"tiny-a"', '"tiny-b"', 'fingerprint'));
  assert.throws(() => loadPrompt(dir, identity({ name: 'wide', dModel: 8 })), named(dir, '"tiny-a"', '"wide"', 'd_model 4', 'd_model 8'));
  const npy = join(tmp, 'narrow.npy');
  exportNpy(samplePrompt(2, 3), npy);
  assert.throws(() => loadPrompt(npy, identity()), named(npy, 'd_model 3', 'd_model 4'));
  assert.equal(loadPrompt(npy, identity({ dModel: 3 })).source, 'npy');
});

test('folders: saving never replaces a folder of other files; inconsistent folders are explained', () => {
  const dir = join(tmp, 'user-files');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'keep me');
  assert.throws(() => savePrompt(dir, samplePrompt(), identity()), PromptFileError);
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'keep me');

  const lora = join(tmp, 'lora');
  mkdirSync(lora);
  writeFileSync(join(lora, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA' }));
  assert.throws(() => loadPrompt(lora), /peft_type is "LORA"; only PROMPT_TUNING/);

  const bad = join(tmp, 'inconsistent');
  savePrompt(bad, samplePrompt(3), identity());
  const configPath = join(bad, 'adapter_config.json');
  writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), num_virtual_tokens: 2 }));
  assert.throws(() => loadPrompt(bad), (e: Error) => e.message.includes(bad) && /3 rows .*num_virtual_tokens 2/.test(e.message));
});

test('folders: PEFT\'s two-submodule layout [2k, d] gives the first k rows (the encoder prompt) with a note', () => {
  const dir = join(tmp, 'two-submodules');
  const stacked = samplePrompt(4); // rows 0-1: encoder prompt, rows 2-3: PEFT's unused second copy
  savePrompt(dir, stacked, identity());
  rmSync(join(dir, 'prompt-tuner.json'));
  const configPath = join(dir, 'adapter_config.json');
  writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), num_virtual_tokens: 2, num_transformer_submodules: 2 }));
  const loaded = loadPrompt(dir, identity());
  assert.equal(loaded.source, 'peft');
  assert.deepEqual(loaded.prompt.data, stacked.data.slice(0, 2 * D));
  assert.match(loaded.notes.join('\n'), /num_transformer_submodules 2.*rows 0\.\.1/);
});

// ---- initialisation (§3.2) ----

test('init random-uniform: k x d_model values in [-0.5, 0.5), reproducible from the seed', () => {
  const a = initPrompt({ kind: 'random-uniform' }, ctx({ k: 50 }));
  assert.deepEqual([a.prompt.k, a.prompt.dModel, a.prompt.data.length], [50, D, 50 * D]);
  assert.ok(a.prompt.data.every((v) => v >= -0.5 && v < 0.5));
  assert.ok(Math.min(...a.prompt.data) < -0.4 && Math.max(...a.prompt.data) > 0.4, 'should spread over the range');
  assert.deepEqual(a.initPieces, Array(50).fill(null));
  assert.deepEqual(initPrompt({ kind: 'random-uniform' }, ctx({ k: 50 })).prompt.data, a.prompt.data);
});

/** The embedding row id each prompt row equals exactly, or -1. */
const rowIds = (p: SoftPrompt) => Array.from({ length: p.k }, (_, i) => {
  const row = Array.from(promptRow(p, i));
  return Array.from({ length: VOCAB }, (_, v) => v).find((v) => Float32Array.from(embeddingRow(v)).every((x, j) => x === row[j])) ?? -1;
});

test('init sampled-vocab: distinct embedding rows after the special tokens; repeats only when the range runs out', () => {
  const { prompt, initPieces } = initPrompt({ kind: 'sampled-vocab' }, ctx({ k: 20, displayPiece: (id) => `p${id}` }));
  const ids = rowIds(prompt);
  assert.ok(ids.every((id) => id >= FIRST_ORDINARY_ID && id < VOCAB), `ids ${ids}`);
  assert.equal(new Set(ids).size, 20);
  assert.deepEqual(initPieces, ids.map((id) => `p${id}`));

  const small = tf.tensor2d(Array.from({ length: 6 }, (_, v) => embeddingRow(v)));
  const few = rowIds(initPrompt({ kind: 'sampled-vocab' }, ctx({ k: 5, shared: small, model: identity({ vocabSize: 6 }) })).prompt);
  small.dispose();
  assert.ok(few.every((id) => id >= 3 && id < 6), `ids ${few}`);
  assert.equal(new Set(few.slice(0, 3)).size, 3, 'the first pass uses every id once');
});

const fakeEncode = (text: string): number[] => ({ yes: [5], no: [7, 9], maybe: [11, 12, 13], 'a b c': [4, 5, 6] })[text] ?? [];

test('init class-labels: one row per label = mean of its sub-token rows, then sampled vocab', () => {
  const { prompt, initPieces, notes } = initPrompt({ kind: 'class-labels' }, ctx({ k: 4, encode: fakeEncode, labels: ['yes', 'no'] }));
  const mean = (ids: number[]) => Array.from({ length: D }, (_, j) => ids.reduce((s, id) => s + Math.fround(embeddingRow(id)[j]), 0) / ids.length);
  for (const [row, ids] of [[0, [5]], [1, [7, 9]]] as const) {
    Array.from(promptRow(prompt, row)).forEach((v, j) => assert.ok(Math.abs(v - mean([...ids])[j]) < 1e-7, `row ${row}`));
  }
  assert.deepEqual(initPieces.slice(0, 2), ['yes', 'no']);
  assert.ok(rowIds(prompt).slice(2).every((id) => id >= FIRST_ORDINARY_ID));
  assert.deepEqual(notes, []);

  const cut = initPrompt({ kind: 'class-labels' }, ctx({ k: 2, encode: fakeEncode, labels: ['yes', 'no', 'maybe'] }));
  assert.deepEqual(cut.initPieces, ['yes', 'no']);
  assert.match(cut.notes[0], /2 positions for 3 labels/);
  assert.throws(() => initPrompt({ kind: 'class-labels' }, ctx({ encode: fakeEncode, labels: [] })), /needs the label words/);
  assert.throws(() => initPrompt({ kind: 'class-labels' }, ctx({ encode: fakeEncode, labels: ['unknown'] })), /"unknown" gives no tokens/);
});

test('init text: the phrase\'s token rows, repeated or cut to k', () => {
  const long = initPrompt({ kind: 'text', text: 'a b c' }, ctx({ k: 5, encode: fakeEncode }));
  assert.deepEqual(rowIds(long.prompt), [4, 5, 6, 4, 5]);
  assert.match(long.notes[0], /repeated/);
  const short = initPrompt({ kind: 'text', text: 'a b c' }, ctx({ k: 2, encode: fakeEncode }));
  assert.deepEqual(rowIds(short.prompt), [4, 5]);
  assert.match(short.notes[0], /first 2 tokens/);
});

test('init file: starts from a saved prompt of the same model and length only', () => {
  const dir = join(tmp, 'init-from');
  const saved = samplePrompt(5);
  savePrompt(dir, saved, identity(), { initPieces: ['a', null, null, null, 'e'] });
  const got = initPrompt({ kind: 'file', path: dir }, ctx());
  assert.deepEqual(got.prompt.data, saved.data);
  assert.deepEqual(got.initPieces, ['a', null, null, null, 'e']);
  assert.throws(() => initPrompt({ kind: 'file', path: dir }, ctx({ k: 3 })), /5 positions but the prompt length is 3/);
  assert.throws(() => initPrompt({ kind: 'file', path: dir }, ctx({ model: identity({ name: 'other', embeddingFingerprint: 'v1:cccc' }) })), PromptMismatchError);
});

// ---- insights (§7) ----

test('insights: nearest rows, norms, drift, init pieces and label flags', () => {
  // Row 0 points exactly along vocabulary row 9 (cosine 1); row 1 along row 30, scaled.
  const rows = [embeddingRow(9), embeddingRow(30).map((x) => 3 * x)];
  const prompt = softPrompt(Float32Array.from(rows.flat()), 2, D);
  const initial = softPrompt(Float32Array.from([...rows[0], ...rows[1].map((x, j) => (j === 0 ? x - 2 : x))]), 2, D);
  const insights = promptInsights(prompt, shared, { displayPiece: (id) => `p${id}`, topK: 3, labelTokenIds: [9], initial, initPieces: ['yes', null] });
  const norm = (v: number[]) => Math.hypot(...v.map(Math.fround));
  assert.deepEqual(insights.map((r) => r.nearest[0].id), [9, 30]);
  assert.deepEqual(insights.map((r) => r.nearest[0].piece), ['p9', 'p30']);
  insights.forEach((r, i) => {
    assert.equal(r.index, i);
    assert.equal(r.nearest.length, 3);
    assert.ok(Math.abs(r.nearest[0].cosine - 1) < 1e-6);
    assert.ok(r.nearest[0].cosine >= r.nearest[1].cosine && r.nearest[1].cosine >= r.nearest[2].cosine);
    assert.ok(Math.abs(r.norm - norm(rows[i])) < 1e-6);
  });
  const meanNorm = Array.from({ length: VOCAB }, (_, v) => norm(embeddingRow(v))).reduce((a, b) => a + b) / VOCAB;
  assert.ok(Math.abs(insights[0].vocabMeanNorm - meanNorm) < 1e-6);
  assert.deepEqual(insights.map((r) => r.drift), [0, 2]);
  assert.deepEqual(insights.map((r) => r.isLabel), [true, false]);
  assert.equal(insights[0].initPiece, 'yes');
  assert.equal('initPiece' in insights[1], false);
});

// ---- ensembling (§6) ----

test('ensemble: per-row prompts for an example-major replicated batch, regrouped and voted', () => {
  const prompts = [samplePrompt(2), softPrompt(samplePrompt(2).data.map((x) => -x), 2, D), softPrompt(new Float32Array(2 * D).fill(0.25), 2, D)];
  const t = ensemblePromptTensor(prompts, 2);
  assert.deepEqual(t.shape, [6, 2, D]);
  const data = t.dataSync();
  t.dispose();
  for (let row = 0; row < 6; row++) assert.deepEqual(data.slice(row * 2 * D, (row + 1) * 2 * D), prompts[row % 3].data, `row ${row}`);
  assert.deepEqual(replicateExamples(['x', 'y'], 3), ['x', 'x', 'x', 'y', 'y', 'y']);
  assert.deepEqual(groupReplicated(['a', 'b', 'a', 'c', 'c', 'd'], 3), [['a', 'b', 'a'], ['c', 'c', 'd']]);
  assert.throws(() => ensemblePromptTensor([samplePrompt(2), samplePrompt(3)], 1), /prompt 2 is \[3, 4\] but prompt 1 is \[2, 4\]/);

  assert.equal(majorityVote(['no', 'yes', 'yes']), 'yes');
  assert.equal(majorityVote(['no', 'yes']), 'no', 'a tie without scores goes to the first');
  assert.equal(majorityVote(['no', 'yes'], [-3, -1]), 'yes', 'a tie goes to the larger summed score');
  assert.equal(majorityVote(['a', 'b', 'b', 'a', 'c'], [-1, -5, -5, -1, 0]), 'a');
});
