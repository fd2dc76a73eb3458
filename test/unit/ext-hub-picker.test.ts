// The model picker's entries (Tune Prompt quick pick and the panel's setup form): the paper's
// LM-adapted T5 1.1 first, sizes, cache state (also under an old id Python used), memory against this
// machine, other complete T5 snapshots of the Hugging Face cache wherever HF_* puts it — and the
// extension host bundle, which lists them, loads no TensorFlow.js.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { T5_CATALOG, estimateTrainingMemory, repoFolderName, type CatalogItem, type Env } from '../../src/core/hub';
import { cachedHubOptions, catalogOption, catalogOptions, formatCount, groupOptions, hubIdProblem, modelOptions, optionIcon, toChoice } from '../../src/extension/setup/model-choices';

const temp = mkdtempSync(join(tmpdir(), 'ext-hub-picker-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const commit = (n: number) => String(n).repeat(40).slice(0, 40);

/** A snapshot as huggingface_hub leaves it (plain files stand in for the blob symlinks). */
function cacheModel(cacheDir: string, repo: string, opts: { ref?: string; modelType?: string; weights?: boolean; n?: number } = {}): void {
  const root = join(cacheDir, repoFolderName(repo));
  const sha = commit(opts.n ?? 1);
  const snapshot = join(root, 'snapshots', sha);
  mkdirSync(snapshot, { recursive: true });
  writeFileSync(join(snapshot, 'config.json'), JSON.stringify({ model_type: opts.modelType ?? 't5' }));
  if (opts.weights !== false) writeFileSync(join(snapshot, 'model.safetensors'), 'weights');
  writeFileSync(join(snapshot, 'spiece.model'), 'spiece');
  if (opts.ref !== undefined) {
    mkdirSync(join(root, 'refs'), { recursive: true });
    writeFileSync(join(root, 'refs', opts.ref), sha);
  }
}

function hubCache(dir: string): void {
  cacheModel(dir, 't5-small', { ref: 'main' }); // google-t5/t5-small, as older transformers cached it
  cacheModel(dir, 'google/t5-small-lm-adapt', { ref: 'main' });
  cacheModel(dir, 'org/custom-t5', { ref: 'main' });
  cacheModel(dir, 'org/tagged', { ref: 'v1' });
  cacheModel(dir, 'org/by-commit', { n: 2 });
  cacheModel(dir, 'org/bert', { ref: 'main', modelType: 'bert' });
  cacheModel(dir, 'org/partial', { ref: 'main', weights: false });
}

test('the catalog: the paper’s LM-adapted T5 1.1 first and labelled, sizes, cached (also under an old id)', () => {
  const cache = join(temp, 'hf-home', 'hub');
  const env: Env = { HF_HOME: join(temp, 'hf-home') };
  hubCache(cache);
  const options = modelOptions({
    catalog: catalogOptions({ batchSize: 8, env }),
    workspace: [{ label: 'models/tiny-t5', value: '/ws/models/tiny-t5', detail: 'folder in the workspace' }],
    cached: cachedHubOptions(env),
    settingModel: 'google/t5-base-lm-adapt',
  });
  assert.deepEqual(
    options.slice(0, 4).map((o) => o.label),
    ['google/t5-small-lm-adapt', 'google/t5-base-lm-adapt', 'google/t5-large-lm-adapt', 'google/t5-xl-lm-adapt'],
  );
  assert.ok(options.slice(0, 4).every((o) => o.group === 'recommended' && o.description?.startsWith('recommended (the paper’s)')));
  assert.deepEqual(options[4], { group: 'workspace', label: 'models/tiny-t5', value: '/ws/models/tiny-t5', description: 'folder in the workspace' });
  assert.deepEqual(options.filter((o) => o.group === 'cached').map((o) => o.value), ['org/by-commit@' + commit(2), 'org/custom-t5', 'org/tagged@v1']);
  assert.equal(options.filter((o) => o.group === 'catalog').length, T5_CATALOG.length - 4);
  assert.ok(!options.some((o) => o.group === 'setting'), 'the default setting is a catalog entry already');

  // t5-small: transformers' num_parameters() is 60,506,624; cached by Python under "t5-small".
  const small = options.find((o) => o.label === 'google-t5/t5-small');
  assert.equal(small?.value, 't5-small', 'the cached id is what the run gets, so nothing is downloaded again');
  assert.match(small?.description ?? '', /^T5 · 60\.5M parameters · cached as t5-small$/);
  assert.equal(small && optionIcon(small), 'check');
  const lmSmall = options[0];
  assert.equal(lmSmall.value, 'google/t5-small-lm-adapt');
  assert.match(lmSmall.description ?? '', / · cached$/);
  const base = options[1];
  // float32 weights: about 4 bytes per parameter to download.
  assert.match(base.description ?? '', /· 248M parameters · ~99\d\.\d MB download$/);
  assert.match(base.detail ?? '', /^Training at batch size 8 needs ≈ [\d.]+ [MG]B of memory; this machine has [\d.]+ GB/);
});

test('other cached models: complete T5 snapshots only, found through HF_HUB_CACHE, HF_HOME or XDG_CACHE_HOME', () => {
  const xdg = join(temp, 'xdg');
  hubCache(join(xdg, 'huggingface', 'hub'));
  const ids = (env: Env) => cachedHubOptions(env).map((o) => o.value);
  const expected = ['org/by-commit@' + commit(2), 'org/custom-t5', 'org/tagged@v1'];
  assert.deepEqual(ids({ XDG_CACHE_HOME: xdg }), expected);
  assert.deepEqual(ids({ HF_HUB_CACHE: join(xdg, 'huggingface', 'hub'), HF_HOME: join(temp, 'nowhere') }), expected, 'HF_HUB_CACHE wins');
  assert.deepEqual(ids({ HF_HOME: join(temp, 'nowhere'), XDG_CACHE_HOME: xdg }), [], 'HF_HOME wins over XDG_CACHE_HOME');
  assert.deepEqual(ids({ HF_HUB_CACHE: join(temp, 'missing') }), [], 'no cache folder: no entries');
});

test('memory: a model that will not fit this machine is flagged with what to do', () => {
  const entry = T5_CATALOG.find((e) => e.repo === 'google/t5-v1_1-xxl');
  assert.ok(entry);
  const item = (batchSize: number, machineBytes: number): CatalogItem => ({
    ...entry,
    cached: false,
    memory: estimateTrainingMemory(entry.architecture, { batchSize }, machineBytes),
  });
  const big = catalogOption(item(32, 16e9));
  assert.equal(big.tooBig, true);
  assert.match(big.detail ?? '', /this machine has 16\.0 GB: too little — lower the batch size or choose a smaller model\.$/);
  assert.equal(optionIcon(big), 'warning');
  assert.match(toChoice(big).label, /^google\/t5-v1_1-xxl — T5 1\.1 · 11\.\dB parameters · ~4\d\.\d GB download ⚠$/);
  const fits = catalogOption(item(1, 1e12));
  assert.equal(fits.tooBig, false);
  assert.equal(optionIcon(fits), 'cloud');
});

test('groups, the setting when it is not listed, short counts and hub id checks', () => {
  const options = modelOptions({ catalog: [], workspace: [], cached: [], settingModel: 'me/my-t5' });
  assert.deepEqual(options, [{ group: 'setting', label: 'me/my-t5', value: 'me/my-t5', description: 'the promptTuner.model setting' }]);
  assert.deepEqual(groupOptions(options).map((g) => g.title), ['the promptTuner.model setting']);
  assert.deepEqual(toChoice(options[0]), { label: 'me/my-t5 — the promptTuner.model setting', value: 'me/my-t5', detail: undefined });
  assert.equal(formatCount(2_849_757_184), '2.85B');
  assert.equal(formatCount(247_577_856), '248M');
  assert.equal(hubIdProblem('google/t5-base-lm-adapt'), undefined);
  assert.equal(hubIdProblem(' org/name@v1.0 '), undefined);
  assert.match(hubIdProblem('google/t5 base') ?? '', /is not a hub id: use org\/name or org\/name@revision/);
  assert.match(hubIdProblem('') ?? '', /Type a hub id/);
});

test('the extension host bundle (picker and download progress included) loads no TensorFlow.js', async () => {
  const result = await build({
    entryPoints: ['src/extension/extension.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    metafile: true,
    outfile: join(temp, 'extension.js'),
    external: ['vscode', '@tensorflow/*', '@agnai/sentencepiece-js'],
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.includes('src/extension/setup/model-choices.ts') && inputs.includes('src/core/hub/catalog.ts'), 'the picker and the catalog are in the bundle');
  const engine = inputs.filter((f) => /^src\/core\/(tf|backend|session|t5\/model|training\/trainer)/.test(f) || f.includes('engine-resolver'));
  assert.deepEqual(engine, []);
  const external = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  assert.deepEqual(external.filter((p) => p.startsWith('@tensorflow') || p.startsWith('@agnai')), []);
});
