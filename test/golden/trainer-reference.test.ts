// train() itself — the data file, prompt init from a PEFT folder, batches, loss, gradient, the
// optimiser, checkpoints and resume — against the reference: extra.json `train_steps` recorded three
// steps of HF's Adafactor and of torch's Adam on cases.json's prompt_tuning batch (dropout off).
// Each step is a run of its own, resumed from the previous one's checkpoint, so the prompt after
// every step is read back from disk and compared. Tolerances as ../shared/README.md gives them:
// loss 1e-5 relative, the Adafactor/Adam trajectory 2e-3.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { selectBackend } from '../../src/core';
import { train } from '../../src/core/training/trainer';
import { loadCheckpoint } from '../../src/core/training/checkpoint';
import { DEFAULTS, type RunOptions } from '../../src/core/training/options';
import type { TrainEvent } from '../../src/core/training/events';
import { idText as text, idVocabulary } from '../support/id-vocabulary';
import { forEachGoldenDir, readJson, rows, maxAbsDiff, relDiff, type FixtureTensor } from '../support/golden';

interface Steps {
  hyperparameters: { lr: number; weight_decay: number };
  steps: { step: number; loss_before: number; soft_prompt_after: FixtureTensor }[];
}

before(async () => {
  await selectBackend();
});

forEachGoldenDir((dir) => {
  const name = basename(dir);
  for (const kind of ['adafactor', 'adam'] as const) {
    test(`${name}: train() follows the reference ${kind} steps (loss before each step, prompt after it)`, async () => {
      const c = readJson<{ prompt_tuning: { soft_prompt: FixtureTensor; input_ids: FixtureTensor; attention_mask: FixtureTensor; labels: FixtureTensor } }>(join(dir, 'cases.json')).prompt_tuning;
      const reference = readJson<{ train_steps: Record<typeof kind, Steps> }>(join(dir, 'extra.json')).train_steps[kind];
      const vocabSize = readJson<{ vocab_size: number }>(join(dir, 'config.json')).vocab_size;
      const k = c.soft_prompt.shape[0];
      const work = mkdtempSync(join(tmpdir(), 'pt-trainer-reference-'));
      try {
        const model = join(work, 'model');
        mkdirSync(model);
        for (const file of ['config.json', 'model.safetensors']) copyFileSync(join(dir, file), join(model, file));
        writeFileSync(join(model, 'spiece.model'), idVocabulary(vocabSize));
        const data = join(work, 'batch.jsonl');
        const lines = rows(c.input_ids).map((ids, i) => {
          const tokens = ids.slice(0, rows(c.attention_mask)[i].slice(k).filter(Boolean).length);
          return JSON.stringify({ text: text(tokens), label: text(rows(c.labels)[i].filter((id) => id !== -100)) });
        });
        writeFileSync(data, `${lines.join('\n')}\n`);
        const options: RunOptions = {
          ...DEFAULTS, model, train: data, valid: data, inputField: 'text', targetField: 'label', promptLength: k,
          init: { kind: 'file', path: join(dir, 'peft-prompt') }, optimizer: kind, lr: reference.hyperparameters.lr, weightDecay: reference.hyperparameters.weight_decay,
          batchSize: lines.length, steps: 1, evalEvery: 100, checkpointEvery: 1, dropout: 0, maxInputLength: 128, maxTargetLength: 64, out: join(work, 'run'),
        };
        for (const expected of reference.steps) {
          const events: TrainEvent[] = [];
          const resume = expected.step > 1 ? join(work, 'run', 'checkpoint') : undefined;
          const done = await train({ ...options, steps: expected.step, resume }, { onEvent: (e) => events.push(e) });
          assert.equal(done.status, 'completed', done.message);
          const stepEvent = events.find((e) => e.type === 'step' && e.step === expected.step);
          assert.ok(stepEvent && stepEvent.type === 'step', `no event for step ${expected.step}`);
          const prompt = loadCheckpoint(join(work, 'run', 'checkpoint')).prompt.data;
          const lossErr = relDiff(stepEvent.loss, expected.loss_before);
          const promptErr = maxAbsDiff(prompt, (expected.soft_prompt_after.data as number[][]).flat());
          console.log(`${name} ${kind} step ${expected.step}: loss rel ${lossErr.toExponential(2)}, prompt ${promptErr.toExponential(2)}`);
          assert.ok(lossErr <= 1e-5, `step ${expected.step}: loss ${stepEvent.loss} vs the reference ${expected.loss_before}`);
          assert.ok(promptErr <= 2e-3, `step ${expected.step}: the prompt is off by ${promptErr}`);
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
