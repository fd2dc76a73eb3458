// The model catalog (parameter counts against what transformers reports, cache detection, the
// memory formula), the HF_* settings and the repo spec parser.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseT5Config } from '../../src/core';
import { readHeader } from '../../src/core/io/safetensors';
import {
  T5_CATALOG,
  cachedId,
  estimateTrainingMemory,
  isCached,
  listCatalog,
  parameterCount,
  parseRepoSpec,
  readHubSettings,
  repoFolderName,
  type T5Architecture,
} from '../../src/core/hub';
import { SHARED_DIR, SKIP_NO_SHARED } from '../support/shared';
import { readJson } from '../support/golden';

const GOLDEN = join(SHARED_DIR, 'fixtures', 't5-golden');
const temp = mkdtempSync(join(tmpdir(), 'hub-catalog-'));
after(() => rmSync(temp, { recursive: true, force: true }));

test('parameter counts match transformers on the fixtures', { skip: SKIP_NO_SHARED }, () => {
  // v1.1 tiny: total_parameters that save_pretrained wrote into the shard index.
  const v11 = parseT5Config(readJson(join(GOLDEN, 't5-v1_1-tiny', 'config.json')));
  const index = readJson<{ metadata: { total_parameters: number } }>(join(GOLDEN, 't5-v1_1-tiny', 'sharded', 'model.safetensors.index.json'));
  assert.equal(parameterCount(v11), index.metadata.total_parameters);
  // v1.0 tiny (tied embeddings): the elements of every tensor transformers saved.
  const v10 = parseT5Config(readJson(join(GOLDEN, 't5-v1_0-tiny', 'config.json')));
  const header = readHeader(readFileSync(join(GOLDEN, 't5-v1_0-tiny', 'model.safetensors')), 'model.safetensors');
  const saved = [...header.tensors.values()].reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(parameterCount(v10), saved);
});

test('catalog parameter counts are the published num_parameters()', () => {
  const published: Record<string, number> = {
    'google-t5/t5-small': 60_506_624,
    'google-t5/t5-base': 222_903_552,
    'google-t5/t5-large': 737_668_096,
    'google/flan-t5-small': 76_961_152,
    'google/flan-t5-base': 247_577_856,
    'google/flan-t5-large': 783_150_080,
    'google/flan-t5-xl': 2_849_757_184,
    'google/t5-v1_1-xxl': 11_135_332_352,
  };
  for (const [repo, count] of Object.entries(published)) assert.equal(T5_CATALOG.find((e) => e.repo === repo)?.parameters, count, repo);
  const repos = T5_CATALOG.map((e) => e.repo);
  for (const s of ['small', 'base', 'large', 'xl']) {
    assert.ok(repos.includes(`google/flan-t5-${s}`) && repos.includes(`google/t5-${s}-lm-adapt`) && repos.includes(`google/t5-v1_1-${s}`), s);
  }
  // The same architecture for a size across T5 1.1, LM-adapted and FLAN-T5.
  const count = (r: string) => T5_CATALOG.find((e) => e.repo === r)?.parameters;
  assert.equal(count('google/t5-base-lm-adapt'), count('google/flan-t5-base'));
  // Download sizes: float32 weights plus spiece.model, within a megabyte.
  for (const e of T5_CATALOG) assert.ok(Math.abs(e.downloadBytes - 4 * e.parameters) < 1e6, e.repo);
});

test('the picker\'s memory estimate: the weights plus activations linear in the batch, against the machine', () => {
  const tiny: T5Architecture = { vocab_size: 320, d_model: 32, d_kv: 8, d_ff: 48, num_layers: 2, num_decoder_layers: 3, num_heads: 4, relative_attention_num_buckets: 8, is_gated_act: true, tie_word_embeddings: false };
  const m = estimateTrainingMemory(tiny, { batchSize: 1, inputLength: 2, targetLength: 1 }, 1e9);
  assert.equal(m.weightsBytes, 4 * parameterCount(tiny));
  assert.ok(m.activationBytes > 0 && m.totalBytes > m.weightsBytes + m.activationBytes, 'the runtime is counted too');
  assert.equal(m.fits, true);
  assert.equal(estimateTrainingMemory(tiny, {}, 1e6).fits, false);
  const small = T5_CATALOG.find((e) => e.repo === 'google/flan-t5-small');
  assert.ok(small);
  const b32 = estimateTrainingMemory(small.architecture, { batchSize: 32, inputLength: 128 });
  const b16 = estimateTrainingMemory(small.architecture, { batchSize: 16, inputLength: 128 });
  const long = estimateTrainingMemory(small.architecture, { batchSize: 16, inputLength: 512 });
  assert.equal(b32.activationBytes, 2 * b16.activationBytes);
  assert.ok(long.activationBytes > 4 * b16.activationBytes, 'attention makes memory grow faster than the input length');
  assert.deepEqual([b32.batchSize, b32.inputLength, b32.targetLength], [32, 128, 16]);
});

test('isCached sees a huggingface_hub cache, also under an alias id', { skip: SKIP_NO_SHARED }, () => {
  const cache = join(temp, 'hub');
  const env = { HF_HUB_CACHE: cache, HF_HOME: temp };
  assert.equal(isCached('google-t5/t5-small', env), false);
  // As Python leaves it after from_pretrained('t5-small') and the tokenizer.
  const root = join(cache, 'models--t5-small');
  const commit = 'a'.repeat(40);
  const snapshot = join(root, 'snapshots', commit);
  mkdirSync(snapshot, { recursive: true });
  mkdirSync(join(root, 'blobs'));
  mkdirSync(join(root, 'refs'));
  writeFileSync(join(root, 'refs', 'main'), commit);
  for (const [file, src] of [['config.json', join(GOLDEN, 't5-v1_0-tiny', 'config.json')], ['model.safetensors', join(GOLDEN, 't5-v1_0-tiny', 'model.safetensors')], ['spiece.model', join(SHARED_DIR, 'fixtures', 't5-spiece', 'spiece.model')]]) {
    const blob = join(root, 'blobs', file.replace('.', '-'));
    writeFileSync(blob, readFileSync(src));
    symlinkSync(relative(snapshot, blob), join(snapshot, file));
  }
  assert.equal(isCached('google-t5/t5-small', env), true);
  assert.equal(cachedId('google-t5/t5-small', env), 't5-small');
  const items = listCatalog({ env });
  assert.deepEqual(items.filter((i) => i.cached).map((i) => [i.repo, i.cachedAs]), [['google-t5/t5-small', 't5-small']]);
  assert.ok(items.every((i) => i.memory.totalBytes > i.memory.weightsBytes));
  // A snapshot without weights does not count.
  rmSync(join(snapshot, 'model.safetensors'));
  assert.equal(isCached('t5-small', env), false);
});

test('HF_* settings as huggingface_hub reads them', () => {
  const home = join(temp, 'hf-home');
  mkdirSync(home, { recursive: true });
  const defaults = readHubSettings({ HF_HOME: home });
  assert.equal(defaults.endpoint, 'https://huggingface.co');
  assert.equal(defaults.cacheDir, join(home, 'hub'));
  assert.equal(defaults.offline, false);
  assert.equal(defaults.token, undefined);
  assert.equal(readHubSettings({}).cacheDir, join(homedir(), '.cache', 'huggingface', 'hub'));
  assert.equal(readHubSettings({ XDG_CACHE_HOME: '/x' }).cacheDir, join('/x', 'huggingface', 'hub'));
  assert.equal(readHubSettings({ HF_HOME: home, HUGGINGFACE_HUB_CACHE: '/legacy' }).cacheDir, '/legacy');
  assert.equal(readHubSettings({ HF_HOME: home, HUGGINGFACE_HUB_CACHE: '/legacy', HF_HUB_CACHE: '/new' }).cacheDir, '/new');
  assert.equal(readHubSettings({ HF_ENDPOINT: 'https://mirror.example/' }).endpoint, 'https://mirror.example');
  for (const v of ['1', 'true', 'YES', 'on']) assert.equal(readHubSettings({ HF_HUB_OFFLINE: v }).offline, true, v);
  assert.equal(readHubSettings({ HF_HUB_OFFLINE: '0' }).offline, false);
  assert.equal(readHubSettings({ TRANSFORMERS_OFFLINE: '1' }).offline, true);
  writeFileSync(join(home, 'token'), 'hf_fromTokenFile\n');
  assert.equal(readHubSettings({ HF_HOME: home }).token, 'hf_fromTokenFile');
  assert.equal(readHubSettings({ HF_HOME: home, HF_TOKEN: 'hf_fromEnv' }).token, 'hf_fromEnv');
  assert.throws(() => readHubSettings({ HF_HUB_DOWNLOAD_TIMEOUT: 'soon' }), /HF_HUB_DOWNLOAD_TIMEOUT/);
});

test('repo specs and cache folder names', () => {
  assert.deepEqual(parseRepoSpec('google/flan-t5-base'), { repo: 'google/flan-t5-base', revision: 'main' });
  assert.deepEqual(parseRepoSpec('google/flan-t5-base@v1.0'), { repo: 'google/flan-t5-base', revision: 'v1.0' });
  assert.deepEqual(parseRepoSpec('t5-small@refs/pr/3'), { repo: 't5-small', revision: 'refs/pr/3' });
  for (const bad of ['a/b/c', 'org/na--me', 'org/name@', 'org/ name', '../x', 'org/name@../../etc']) assert.equal(parseRepoSpec(bad), undefined, bad);
  assert.equal(repoFolderName('google/flan-t5-base'), 'models--google--flan-t5-base');
  assert.equal(repoFolderName('t5-small'), 'models--t5-small');
});
