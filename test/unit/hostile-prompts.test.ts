// Prompt folders and .npy files that must not be used as they are (issue 11 §3): values that are not
// finite, a prompt-tuner.json that does not fit its schema, adapter_config.json fields of the wrong
// type, files that lead out of the folder, and a PEFT prompt made for another model.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/core/io/safetensors';
import { FileFormatError } from '../../src/core/io/errors';
import { NpyError, PromptFileError, decodeNpy, encodeNpy, exportNpy, loadPrompt, peftAdapterConfig, savePrompt, softPrompt, type ModelIdentity } from '../../src/core/prompt';
import { MetadataError, parseMetadata } from '../../src/core/prompt/metadata';

const root = mkdtempSync(join(tmpdir(), 'pt-hostile-prompts-'));
after(() => rmSync(root, { recursive: true, force: true }));

const MODEL: ModelIdentity = { name: 'google/t5-base-lm-adapt', dModel: 4, vocabSize: 32, numHeads: 2, numLayers: 2, embeddingFingerprint: 'v1:abc' };

/** A PEFT prompt folder: adapter_config.json (with `config` over ours) and the tensor `data` [k, 4]. */
function peftFolder(name: string, data: Float32Array, config: Record<string, unknown> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const k = data.length / 4;
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...peftAdapterConfig(MODEL, k), ...config }));
  writeFileSync(join(dir, 'adapter_model.safetensors'), writeSafetensors({ prompt_embeddings: { shape: [k, 4], data } }, { format: 'pt' }));
  return dir;
}

function refused(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof FileFormatError, `${err.constructor.name}: ${err.message}`);
    assert.ok(err.message.includes(file), `names ${file}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a prompt holding NaN or Infinity is refused on load, naming where (once: try showed NaN scores, eval exited 0 with loss NaN)', () => {
  const data = new Float32Array(8);
  data[6] = NaN;
  const dir = peftFolder('nan', data);
  refused(() => loadPrompt(dir), join(dir, 'adapter_model.safetensors'), /the prompt is not finite \(row 1, column 2 is NaN\), so every score with it would be NaN\. The run that made it diverged/);
  const npy = join(root, 'inf.npy');
  const bytes = Buffer.from(encodeNpy(softPrompt(new Float32Array(8), 2, 4)));
  bytes.writeFloatLE(-Infinity, bytes.length - 4);
  writeFileSync(npy, bytes);
  refused(() => loadPrompt(npy), npy, /row 1, column 3 is -Infinity/);
  assert.throws(() => decodeNpy(bytes, 'x.npy'), NpyError);
});

test('a prompt holding NaN is never written: not as a folder, not as .npy (once: convert wrote it)', () => {
  const nan = softPrompt(new Float32Array(8).fill(NaN), 2, 4);
  const dir = join(root, 'never');
  assert.throws(() => savePrompt(dir, nan, MODEL), (err: Error) => err instanceof PromptFileError && /Refusing to save the prompt to .*never: it is not finite \(row 0, column 0 is NaN\)/.test(err.message));
  assert.ok(!existsSync(dir));
  const npy = join(root, 'never.npy');
  assert.throws(() => exportNpy(nan, npy), /Refusing to write a prompt that is not finite/);
  assert.ok(!existsSync(npy));
});

test('prompt-tuner.json is checked by its schema, naming the field (once: "labels.map is not a function")', () => {
  const good = { format: 'prompt-tuner/soft-prompt', formatVersion: 1, baseModel: 'm', dModel: 4, promptLength: 2 };
  assert.deepEqual((parseMetadata({ ...good, extra: { kept: true } }, 'p.json') as unknown as Record<string, unknown>).extra, { kept: true }, 'unknown fields are kept as written');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ labels: 'yes' }, /"labels" must be a list \(got "yes"\)/],
    [{ labels: ['yes', 3] }, /"labels\[1\]" must be a string \(got 3\)/],
    [{ metrics: [{ step: 1, rankAccuracy: '0.9' }] }, /"metrics\[0\]\.rankAccuracy" must be/],
    [{ dModel: 0 }, /"dModel" must be at least 1 \(got 0\)/],
    [{ promptLength: 2.5 }, /"promptLength" must be a whole number \(got 2\.5\)/],
    [{ format: 'other' }, /"format"/],
    [{ init: { kind: 'magic' } }, /"init\.kind"/],
    [{ nearest: [{ index: 0, nearest: [{ id: 1, piece: 'a', cosine: null }], norm: 1, vocabMeanNorm: 1, drift: 0, isLabel: false }] }, /"nearest\[0\]\.nearest\[0\]\.cosine" must be a number \(got null\)/],
    [{ training: { batchSize: -1 } }, /"training\.batchSize" must be at least 1/],
  ];
  for (const [patch, pattern] of cases) {
    assert.throws(() => parseMetadata({ ...good, ...patch }, '/x/prompt-tuner.json'), (err: Error) => {
      assert.ok(err instanceof MetadataError, err.message);
      assert.match(err.message, /^\/x\/prompt-tuner\.json: /);
      assert.match(err.message, pattern);
      assert.match(err.message, /remove it to load the folder as a plain PEFT prompt/);
      return true;
    });
  }
  assert.throws(() => parseMetadata({ ...good, formatVersion: 2 }, 'p.json'), /^MetadataError: p\.json: "formatVersion" 2 is newer than this Prompt Tuner reads \(1\); update Prompt Tuner\.$/);
  // A diverged run's losses were written as null (JSON has no NaN): readable, as absent.
  assert.equal(parseMetadata({ ...good, metrics: [{ step: 3, trainLoss: null }] }, 'p.json').metrics?.[0].trainLoss, undefined);
  // Through a folder.
  const dir = peftFolder('bad-metadata', new Float32Array(8));
  writeFileSync(join(dir, 'prompt-tuner.json'), JSON.stringify({ ...good, labels: 'yes' }));
  refused(() => loadPrompt(dir), join(dir, 'prompt-tuner.json'), /"labels" must be a list/);
});

test('adapter_config.json fields of the wrong type are refused, naming the field', () => {
  const data = new Float32Array(8);
  refused(() => loadPrompt(peftFolder('token-dim', data, { token_dim: 'four' })), 'adapter_config.json', /"token_dim" must be a positive integer \(got "four"\)/);
  refused(() => loadPrompt(peftFolder('half-rows', new Float32Array(12), { num_virtual_tokens: 2, num_transformer_submodules: null })), 'adapter_model.safetensors', /has 3 rows but adapter_config\.json says num_virtual_tokens 2 × num_transformer_submodules 1\.5/);
  const arrayConfig = peftFolder('array-config', data);
  writeFileSync(join(arrayConfig, 'adapter_config.json'), '[1, 2]');
  refused(() => loadPrompt(arrayConfig), 'adapter_config.json', /not a JSON object/);
});

test('a prompt folder\'s files must be inside it and regular files', () => {
  const dir = peftFolder('linked', new Float32Array(8));
  const weights = join(dir, 'adapter_model.safetensors');
  writeFileSync(join(root, 'elsewhere.safetensors'), readFileSync(weights));
  rmSync(weights);
  symlinkSync(join(root, 'elsewhere.safetensors'), weights);
  refused(() => loadPrompt(dir), dir, /is a link to .*elsewhere\.safetensors, outside the folder/);
  const zero = peftFolder('zero', new Float32Array(8));
  rmSync(join(zero, 'adapter_config.json'));
  symlinkSync('/dev/zero', join(zero, 'adapter_config.json'));
  refused(() => loadPrompt(zero), zero, /outside the folder/);
});

test('a PEFT folder whose base_model_name_or_path names another model gets a warning (the width alone matched)', () => {
  const other = peftFolder('other-model', new Float32Array(8), { base_model_name_or_path: 'google/flan-t5-large' });
  const loaded = loadPrompt(other, MODEL);
  assert.equal(loaded.notes.length, 1);
  assert.match(loaded.notes[0], /trained for "google\/flan-t5-large" .* but the model in use is "google\/t5-base-lm-adapt": only the width \(d_model 4\) could be checked/);
  for (const same of ['google/t5-base-lm-adapt', 'Google/T5-Base-LM-Adapt@main', '/home/me/models/t5-base-lm-adapt/', '/cache/models--google--t5-base-lm-adapt/snapshots/0123abc']) {
    const dir = peftFolder(`same-${same.replace(/\W/g, '_')}`, new Float32Array(8), { base_model_name_or_path: same });
    assert.deepEqual(loadPrompt(dir, MODEL).notes, [], same);
  }
  assert.deepEqual(loadPrompt(peftFolder('no-base', new Float32Array(8), { base_model_name_or_path: null }), MODEL).notes, []);
});
