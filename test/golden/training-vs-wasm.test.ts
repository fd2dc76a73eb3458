// A 30-step training run (test/support/training-run.ts: micro-batches, dropout, Adafactor) on the
// backend PROMPT_TUNER_BACKEND picks must reach the loss the same run reaches on wasm, the
// reference, within 1e-3 relative. The wasm run is a child process (a process runs one backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { relDiff } from '../support/golden';
import { TRAINING_RUN, trainingRun, type TrainingRunResult } from '../support/training-run';

function onWasm(): TrainingRunResult {
  // process.execArgv carries tsx's loader: the child runs the TypeScript helper as this file runs.
  const r = spawnSync(process.execPath, [...process.execArgv, join(__dirname, '..', 'support', 'training-run.ts')], {
    encoding: 'utf8',
    env: { ...process.env, PROMPT_TUNER_BACKEND: 'wasm' },
  });
  assert.equal(r.status, 0, `the wasm run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TrainingRunResult;
}

test(`${TRAINING_RUN.steps} training steps reach the loss they reach on wasm, within 1e-3 relative`, async (t) => {
  const ours = await trainingRun();
  if (ours.backend === 'wasm') return t.skip('wasm is the reference');
  const reference = onWasm();
  assert.equal(reference.backend, 'wasm');
  const worst = Math.max(...ours.losses.map((l, i) => relDiff(l, reference.losses[i])));
  const final = relDiff(ours.finalLoss, reference.finalLoss);
  console.log(`[${ours.backend}] ${TRAINING_RUN.steps} steps: loss ${reference.losses[0].toFixed(4)} -> ${ours.finalLoss.toFixed(6)} (wasm ${reference.finalLoss.toFixed(6)}), final rel ${final.toExponential(2)}, worst step rel ${worst.toExponential(2)}`);
  assert.ok(ours.finalLoss < reference.losses[0], 'the run should lower the loss');
  assert.ok(final <= 1e-3, `final loss ${ours.finalLoss} vs wasm's ${reference.finalLoss}`);
  assert.ok(worst <= 1e-3, `a step's loss differs from wasm's by ${worst} relative`);
});
