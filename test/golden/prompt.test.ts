// Prompt folders and nearest-vocabulary insights against PEFT and HF transformers: the prompt PEFT
// saved (peft-prompt/), the structure of PEFT's files, and extra.json `nearest` of every golden fixture.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { selectBackend, loadT5 } from '../../src/core';
import { readHeader } from '../../src/core/io/safetensors';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  PromptMismatchError,
  loadPrompt,
  modelIdentity,
  promptInsights,
  savePrompt,
  softPrompt,
  type ModelIdentity,
} from '../../src/core/prompt';
import { forEachGoldenDir, goldenDirs, readJson, flat, maxAbsDiff, type FixtureTensor } from '../support/golden';

interface Nearest {
  top_ids: number[][];
  top_cosine: number[][];
  min_adjacent_gap_top6: number[];
  prompt_l2_norm: number[];
  vocab_mean_l2_norm: number;
}
interface Extra {
  nearest: Nearest;
  peft: { adapter_config_json: Record<string, unknown>; adapter_model_safetensors: { tensors: Record<string, { dtype: string; shape: number[] }>; __metadata__: Record<string, string> } };
}

// README of ../shared and extra.json `nearest`: cosines and norms within 1e-5; ids exact unless two
// neighbours are closer than float32 rounding can separate.
const NEAREST_TOL = 1e-5;
const TIE_GAP = 1e-5;
// adapter_config.json fields PEFT acts on when it loads a prompt.
const PEFT_FIELDS = ['peft_type', 'task_type', 'num_virtual_tokens', 'token_dim', 'num_transformer_submodules', 'num_attention_heads', 'num_layers', 'inference_mode', 'base_model_name_or_path', 'prompt_tuning_init'];

let backend = '';
before(async () => {
  backend = (await selectBackend()).name;
});

function fixturePrompt(dir: string) {
  const t = readJson<{ prompt_tuning: { soft_prompt: FixtureTensor } }>(join(dir, 'cases.json')).prompt_tuning.soft_prompt;
  return softPrompt(Float32Array.from(flat(t)), t.shape[0], t.shape[1], 'cases.json soft_prompt');
}

async function identityOf(dir: string, name = basename(dir)): Promise<ModelIdentity> {
  const model = await loadT5(dir);
  const id = modelIdentity(model, name);
  model.dispose();
  return id;
}

function withTmp(body: (tmp: string) => void): void {
  const tmp = mkdtempSync(join(tmpdir(), 'prompt-golden-'));
  try {
    body(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

forEachGoldenDir((dir) => {
  const name = basename(dir);

  test(`${name}: the prompt PEFT saved loads and equals cases.json soft_prompt exactly`, async () => {
    const expected = fixturePrompt(dir);
    const loaded = loadPrompt(join(dir, 'peft-prompt'), await identityOf(dir));
    assert.equal(loaded.source, 'peft');
    assert.equal(loaded.baseModel, name);
    assert.deepEqual(loaded.notes, []);
    assert.equal(loaded.prompt.k, expected.k);
    assert.equal(loaded.prompt.dModel, expected.dModel);
    assert.deepEqual(loaded.prompt.data, expected.data);
  });

  test(`${name}: our prompt folder has PEFT's structure and round-trips bit-exact`, async () => {
    const extra = readJson<Extra>(join(dir, 'extra.json'));
    const peftDir = join(dir, 'peft-prompt');
    const peftConfig = readJson(join(peftDir, ADAPTER_CONFIG_FILE));
    const prompt = fixturePrompt(dir);
    const identity = await identityOf(dir);
    withTmp((tmp) => {
      const out = join(tmp, 'prompt');
      savePrompt(out, prompt, identity, { labels: ['yes', 'no'] });

      const ours = readJson(join(out, ADAPTER_CONFIG_FILE));
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(peftConfig).sort(), 'adapter_config.json keys differ from PEFT 0.21');
      for (const field of PEFT_FIELDS) assert.deepEqual(ours[field], peftConfig[field], `adapter_config.json ${field}`);
      assert.deepEqual(peftConfig, extra.peft.adapter_config_json, 'fixture file and extra.json disagree');

      const ourBytes = readFileSync(join(out, ADAPTER_WEIGHTS_FILE));
      const peftBytes = readFileSync(join(peftDir, ADAPTER_WEIGHTS_FILE));
      const ourHeader = readHeader(ourBytes, 'ours');
      const peftHeader = readHeader(peftBytes, 'peft');
      const expectedTensors = extra.peft.adapter_model_safetensors.tensors;
      assert.deepEqual([...ourHeader.tensors.keys()], Object.keys(expectedTensors));
      for (const [tensor, spec] of Object.entries(expectedTensors)) {
        const e = ourHeader.tensors.get(tensor)!;
        assert.equal(e.dtype, spec.dtype);
        assert.deepEqual(e.shape, spec.shape);
        const [pb, pe] = peftHeader.tensors.get(tensor)!.data_offsets;
        assert.deepEqual(
          ourBytes.subarray(ourHeader.dataStart + e.data_offsets[0], ourHeader.dataStart + e.data_offsets[1]),
          peftBytes.subarray(peftHeader.dataStart + pb, peftHeader.dataStart + pe),
          `${tensor}: data bytes differ from PEFT's file`,
        );
      }
      assert.deepEqual(ourHeader.metadata, extra.peft.adapter_model_safetensors.__metadata__);
      assert.ok(Buffer.compare(ourBytes, peftBytes) === 0, 'adapter_model.safetensors is not byte-identical to the one PEFT saved');

      const back = loadPrompt(out, identity);
      assert.equal(back.source, 'prompt-tuner');
      assert.deepEqual(back.prompt.data, prompt.data);
      assert.equal(back.metadata?.embeddingFingerprint, identity.embeddingFingerprint);
      assert.deepEqual(back.metadata?.labels, ['yes', 'no']);
    });
  });

  test(`${name}: nearest vocabulary rows, norms and vocabulary mean norm match extra.json`, async () => {
    const golden = readJson<Extra>(join(dir, 'extra.json')).nearest;
    const model = await loadT5(dir);
    const insights = promptInsights(fixturePrompt(dir), model.weights.shared, { displayPiece: (id) => `#${id}`, topK: golden.top_ids[0].length });
    model.dispose();
    let cosErr = 0;
    let normErr = 0;
    insights.forEach((row, i) => {
      if (golden.min_adjacent_gap_top6[i] > TIE_GAP) assert.deepEqual(row.nearest.map((n) => n.id), golden.top_ids[i], `row ${i} top ids`);
      cosErr = Math.max(cosErr, maxAbsDiff(row.nearest.map((n) => n.cosine), golden.top_cosine[i]));
      normErr = Math.max(normErr, Math.abs(row.norm - golden.prompt_l2_norm[i]));
      assert.equal(row.drift, 0);
    });
    const meanErr = Math.abs(insights[0].vocabMeanNorm - golden.vocab_mean_l2_norm);
    console.log(`[${backend}] ${name} nearest: cosine ${cosErr.toExponential(2)}, norm ${normErr.toExponential(2)}, vocab mean norm ${meanErr.toExponential(2)}`);
    assert.equal(insights.length, golden.top_ids.length);
    assert.ok(cosErr <= NEAREST_TOL, `cosines off by ${cosErr}`);
    assert.ok(normErr <= NEAREST_TOL, `prompt norms off by ${normErr}`);
    assert.ok(meanErr <= NEAREST_TOL, `vocabulary mean norm off by ${meanErr}`);
  });

  for (const copy of ['bf16', 'sharded']) {
    test(`${name}: the ${copy} copy of the weights has the same embedding fingerprint`, { skip: !existsSync(join(dir, copy)) && `no ${copy}/ in ${name}` }, async () => {
      assert.equal((await identityOf(join(dir, copy))).embeddingFingerprint, (await identityOf(dir)).embeddingFingerprint);
    });
  }
});

test('a prompt saved for one golden model is refused by another of the same width', { skip: goldenDirs().length < 2 && 'needs two golden models' }, async () => {
  const [a, b] = goldenDirs();
  const [idA, idB] = [await identityOf(a), await identityOf(b)];
  assert.equal(idA.dModel, idB.dModel, 'the fixtures share d_model, so only the fingerprint can tell them apart');
  assert.notEqual(idA.embeddingFingerprint, idB.embeddingFingerprint);
  withTmp((tmp) => {
    const out = join(tmp, 'prompt');
    savePrompt(out, fixturePrompt(a), idA);
    assert.throws(() => loadPrompt(out, idB), (err: Error) => {
      assert.ok(err instanceof PromptMismatchError);
      for (const part of [out, idA.name, idB.name]) assert.ok(err.message.includes(part), `message should name ${part}: ${err.message}`);
      return true;
    });
  });
});
