// The trainer as a user sees it: a run emits typed events, keeps the best prompt as a PEFT folder,
// a stopped run resumes to exactly the losses of an uninterrupted one, bad data fails clearly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../src/core';
import { train } from '../../src/core/training/trainer';
import { resolveRunSettings, type RunSettingsInput } from '../../src/core/settings/run-settings';
import type { RunOptions } from '../../src/core/training/options';
import type { TrainEvent } from '../../src/core/training/events';
import { loadPrompt } from '../../src/core/prompt';
import { loadCheckpoint } from '../../src/core/training/checkpoint';
import { SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';

const temps: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-trainer-'));
  temps.push(dir);
  return dir;
};
after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function keywordData(dir: string, n: number): string {
  const words = ['red', 'blue', 'cat', 'dog', 'tree', 'house', 'river', 'song'];
  const lines = Array.from({ length: n }, (_, i) => {
    const yes = i % 2 === 0;
    const text = `${words[i % 8]} ${words[(i * 3) % 8]} ${yes ? 'apple' : words[(i * 5) % 8]} ${words[(i + 1) % 8]}`;
    return JSON.stringify({ text, label: yes ? 'yes' : 'no' });
  });
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function options(over: Partial<RunSettingsInput> & Pick<RunSettingsInput, 'train' | 'out'>): RunOptions {
  return resolveRunSettings({ model: tinyModelDir(), steps: 6, evalEvery: 3, batchSize: 4, promptLength: 4, dropout: 0.1, seed: 3, maxInputLength: 64, ...over });
}

before(async () => {
  await selectBackend();
});

test('a run reports progress, evaluates, and saves the best prompt as a PEFT folder', { skip: SKIP_NO_SHARED }, async () => {
  const dir = tmp();
  const events: TrainEvent[] = [];
  const done = await train(options({ train: keywordData(dir, 24), out: join(dir, 'run') }), { onEvent: (e) => events.push(e) });
  assert.equal(done.status, 'completed');
  const started = events.find((e) => e.type === 'started');
  assert.ok(started && started.type === 'started');
  assert.deepEqual(started.labels, ['no', 'yes']);
  assert.equal(started.trainExamples + started.validExamples, 24);
  const steps = events.filter((e) => e.type === 'step');
  assert.deepEqual(steps.map((e) => e.step), [1, 2, 3, 4, 5, 6]);
  assert.ok(steps.every((e) => e.type === 'step' && Number.isFinite(e.loss) && e.loss > 0 && e.etaSeconds >= 0));
  const evals = events.filter((e) => e.type === 'eval');
  assert.deepEqual(evals.map((e) => e.step), [0, 3, 6], 'baseline evaluation plus every --eval-every steps');
  for (const e of evals) {
    if (e.type !== 'eval') continue;
    assert.equal(e.insights.length, 4);
    // The label checks count every validation example once, in the row of its gold label; the diagonal is exact match.
    const c = e.labelChecks!;
    assert.deepEqual(c.labels, ['no', 'yes']);
    assert.equal(c.confusion.flat().reduce((a, b) => a + b, 0), started.validExamples);
    assert.equal((c.confusion[0][0] + c.confusion[1][1]) / started.validExamples, e.exactMatch);
  }
  const saved = loadPrompt(join(dir, 'run', 'prompt'));
  assert.equal(saved.prompt.k, 4);
  assert.deepEqual(saved.metadata?.labels, ['no', 'yes']);
  assert.equal(saved.metadata?.training?.bestStep, done.bestStep);
  const adapter = JSON.parse(readFileSync(join(dir, 'run', 'prompt', 'adapter_config.json'), 'utf8'));
  assert.equal(adapter.peft_type, 'PROMPT_TUNING');
  assert.equal(adapter.num_virtual_tokens, 4);
});

test('a stopped run resumes to exactly the losses of an uninterrupted run', { skip: SKIP_NO_SHARED }, async () => {
  const dir = tmp();
  const data = keywordData(dir, 24);
  const losses = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 'step' ? [[e.step, e.loss]] : []));
  const full: TrainEvent[] = [];
  await train(options({ train: data, out: join(dir, 'full') }), { onEvent: (e) => full.push(e) });

  const first: TrainEvent[] = [];
  const controller = new AbortController();
  const stopped = await train(options({ train: data, out: join(dir, 'split') }), {
    onEvent: (e) => {
      first.push(e);
      if (e.type === 'step' && e.step === 4) controller.abort();
    },
    signal: controller.signal,
  });
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.step, 4);
  assert.ok(existsSync(join(dir, 'split', 'checkpoint', 'state.json')));
  const second: TrainEvent[] = [];
  const resumed = await train(options({ train: data, out: join(dir, 'split'), resume: join(dir, 'split', 'checkpoint') }), { onEvent: (e) => second.push(e) });
  assert.equal(resumed.status, 'completed');
  assert.deepEqual([...losses(first), ...losses(second)], losses(full), 'losses with a stop and resume equal the uninterrupted run');
});

test('a run in micro-batches of 1 trains like the whole batch: same losses, same prompt', { skip: SKIP_NO_SHARED }, async () => {
  const dir = tmp();
  const data = keywordData(dir, 24);
  const run = async (name: string, microBatch?: number) => {
    const events: TrainEvent[] = [];
    await train(options({ train: data, out: join(dir, name), microBatch }), { onEvent: (e) => events.push(e) });
    return { events, prompt: loadCheckpoint(join(dir, name, 'checkpoint')).prompt.data };
  };
  const whole = await run('whole');
  const split = await run('split', 1);
  assert.ok(split.events.some((e) => e.type === 'log' && /micro-batches of 1/.test(e.message)), 'the split is reported');
  const losses = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
  losses(split.events).forEach((l, i) => assert.ok(Math.abs(l - losses(whole.events)[i]) <= 1e-5 * Math.abs(l), `step ${i + 1}: ${l} vs ${losses(whole.events)[i]}`));
  const drift = Math.max(...Array.from(split.prompt, (v, i) => Math.abs(v - whole.prompt[i])));
  assert.ok(drift <= 1e-4, `prompts after 6 steps differ by ${drift}`);
});

test('the training loss falls on a learnable task', { skip: SKIP_NO_SHARED }, async () => {
  const dir = tmp();
  const events: TrainEvent[] = [];
  await train(options({ train: keywordData(dir, 48), out: join(dir, 'run'), steps: 30, evalEvery: 30, batchSize: 8, dropout: 0 }), { onEvent: (e) => events.push(e) });
  const losses = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, 5));
  const last = mean(losses.slice(-5));
  assert.ok(last < 0.8 * first, `mean loss of the first 5 steps ${first.toFixed(3)}, of the last 5 ${last.toFixed(3)}`);
});

test('bad data stops before training with the file, line and field named', { skip: SKIP_NO_SHARED }, async () => {
  const dir = tmp();
  const file = join(dir, 'bad.jsonl');
  writeFileSync(file, '{"text": "a b c", "label": "yes"}\n{"text": "d e f"}\n{"text": "g", "label": "no"}\n');
  await assert.rejects(train(options({ train: file, out: join(dir, 'run') }), { onEvent: () => {} }), (err: Error) => {
    assert.match(err.message, /bad\.jsonl/);
    assert.match(err.message, /line 2/);
    assert.match(err.message, /label/);
    return true;
  });
  assert.ok(!existsSync(join(dir, 'run', 'prompt')), 'nothing is trained');
});

test('a diverging run stops with a clear message and keeps the best prompt', { skip: SKIP_NO_SHARED }, async () => {
  const dir = tmp();
  const events: TrainEvent[] = [];
  const done = await train(options({ train: keywordData(dir, 24), out: join(dir, 'run'), optimizer: 'adam', lr: 3e38, steps: 20, evalEvery: 10 }), { onEvent: (e) => events.push(e) });
  assert.equal(done.status, 'diverged');
  assert.match(done.message, /lower --lr/i);
  assert.ok(existsSync(join(dir, 'run', 'prompt', 'adapter_model.safetensors')), 'the best (baseline) prompt is kept');
});

test('warmup: the step events show the rate ramp from 0; a run stopped mid-warmup resumes exactly', { skip: SKIP_NO_SHARED }, async () => {
  const dir = tmp();
  const data = keywordData(dir, 24);
  const steps = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 'step' ? [e] : []));
  const plain: TrainEvent[] = [];
  await train(options({ train: data, out: join(dir, 'plain') }), { onEvent: (e) => plain.push(e) });
  const full: TrainEvent[] = [];
  await train(options({ train: data, out: join(dir, 'full'), warmupSteps: 4 }), { onEvent: (e) => full.push(e) });
  assert.deepEqual(steps(plain).map((e) => e.learningRate), [0.3, 0.3, 0.3, 0.3, 0.3, 0.3], 'without warmup: the full rate throughout');
  assert.deepEqual(steps(full).map((e) => Number(e.learningRate.toFixed(9))), [0, 0.075, 0.15, 0.225, 0.3, 0.3]);
  assert.equal(steps(full)[0]!.loss, steps(plain)[0]!.loss, 'the same first batch and prompt');
  assert.notEqual(steps(full)[1]!.loss, steps(plain)[1]!.loss, 'the first step at rate 0 left the prompt as it was');

  const controller = new AbortController();
  const first: TrainEvent[] = [];
  await train(options({ train: data, out: join(dir, 'split'), warmupSteps: 4 }), {
    onEvent: (e) => {
      first.push(e);
      if (e.type === 'step' && e.step === 2) controller.abort();
    },
    signal: controller.signal,
  });
  const second: TrainEvent[] = [];
  await train(options({ train: data, out: join(dir, 'split'), warmupSteps: 4, resume: join(dir, 'split', 'checkpoint') }), { onEvent: (e) => second.push(e) });
  const losses = (events: TrainEvent[]) => steps(events).map((e) => [e.step, e.loss, e.learningRate]);
  assert.deepEqual([...losses(first), ...losses(second)], losses(full), 'the resumed run goes on with the ramp where it stopped');
});
