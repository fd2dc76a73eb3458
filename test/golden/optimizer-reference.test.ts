// The prompt optimisers against HF transformers' Adafactor and torch's Adam, as recorded in the golden
// fixtures' extra.json `train_steps` (3 steps on the soft prompt from cases.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachGoldenDir } from '../support/golden';
import {
  PAPER_ADAFACTOR,
  createOptimizer,
  type OptimizerKind,
  type OptimizerState,
} from '../../src/core/training/optim';

// README of ../shared: Adafactor amplifies rounding, so check one step at a time from the recorded
// gradient (1e-5) and the 3-step trajectory to 2e-3.
const STEP_TOL = 1e-5;
const TRAJECTORY_TOL = 2e-3;
// Second-moment statistics are means of grad², compared relative to their size.
const STATE_REL_TOL = 1e-5;

interface FixtureTensor {
  shape: number[];
  data: unknown;
}
interface FixtureStep {
  step: number;
  grad: FixtureTensor;
  soft_prompt_after: FixtureTensor;
  state_after?: { step: number; RMS: number; exp_avg_sq_row: FixtureTensor; exp_avg_sq_col: FixtureTensor };
}
interface FixtureOptimizer {
  hyperparameters: Record<string, unknown>;
  steps: FixtureStep[];
}
interface Fixture {
  name: string;
  shape: [number, number];
  initialPrompt: Float32Array;
  adafactor: FixtureOptimizer;
  adam: FixtureOptimizer;
}

const flat = (t: FixtureTensor): Float32Array => Float32Array.from((t.data as unknown[]).flat(Infinity) as number[]);

function loadFixture(dir: string): Fixture {
  const extraFile = join(dir, 'extra.json');
  if (!existsSync(extraFile)) throw new Error(`${extraFile} is missing (T5_GOLDEN_DIRS entries must be t5-golden fixture folders).`);
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { prompt_tuning: { soft_prompt: FixtureTensor } };
  const extra = JSON.parse(readFileSync(extraFile, 'utf8')) as { train_steps: { adafactor: FixtureOptimizer; adam: FixtureOptimizer } };
  const prompt = cases.prompt_tuning.soft_prompt;
  assert.equal(prompt.shape.length, 2, `${dir}/cases.json prompt_tuning.soft_prompt must be [k, d_model]`);
  return {
    name: dir,
    shape: [prompt.shape[0], prompt.shape[1]],
    initialPrompt: flat(prompt),
    adafactor: extra.train_steps.adafactor,
    adam: extra.train_steps.adam,
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30));
  return max;
}

/** The optimiser the fixture was made with: the paper's Adafactor, or Adam at the fixture's lr. */
function fixtureOptimizer(kind: OptimizerKind, fx: Fixture) {
  const hp = fx[kind].hyperparameters;
  return kind === 'adafactor' ? createOptimizer('adafactor', fx.shape) : createOptimizer('adam', fx.shape, { lr: hp.lr as number });
}

/** The prompt before step `index` (0-based): cases.json's soft prompt, then the recorded prompt after the previous step. */
const promptBefore = (fx: Fixture, kind: OptimizerKind, index: number): Float32Array =>
  index === 0 ? fx.initialPrompt.slice() : flat(fx[kind].steps[index - 1].soft_prompt_after);

forEachGoldenDir((dir) => {
  const load = (): Fixture => loadFixture(dir);

  test(`${dir}: recorded hyperparameters are the paper's Adafactor and torch Adam defaults`, () => {
    const fx = load();
    const af = fx.adafactor.hyperparameters;
    assert.deepEqual(
      {
        lr: af.lr, eps: af.eps, clip_threshold: af.clip_threshold, decay_rate: af.decay_rate, beta1: af.beta1,
        weight_decay: af.weight_decay, scale_parameter: af.scale_parameter, relative_step: af.relative_step, warmup_init: af.warmup_init,
      },
      {
        lr: PAPER_ADAFACTOR.lr, eps: [PAPER_ADAFACTOR.eps1, PAPER_ADAFACTOR.eps2], clip_threshold: PAPER_ADAFACTOR.clipThreshold,
        decay_rate: PAPER_ADAFACTOR.decayRate, beta1: null, weight_decay: PAPER_ADAFACTOR.weightDecay,
        scale_parameter: PAPER_ADAFACTOR.scaleParameter, relative_step: PAPER_ADAFACTOR.relativeStep, warmup_init: PAPER_ADAFACTOR.warmupInit,
      },
    );
    const adam = fx.adam.hyperparameters;
    assert.deepEqual([adam.betas, adam.eps, adam.weight_decay, adam.amsgrad], [[0.9, 0.999], 1e-8, 0, false]);
  });

  test(`${dir}: Adafactor, each step from the recorded prompt, gradient and state matches HF`, (t) => {
    const fx = load();
    const steps = fx.adafactor.steps;
    const errors: string[] = [];
    steps.forEach((s, index) => {
      const opt = fixtureOptimizer('adafactor', fx);
      if (index > 0) {
        const prev = steps[index - 1].state_after;
        assert.ok(prev, `${dir}/extra.json train_steps.adafactor.steps[${index - 1}].state_after is missing`);
        opt.setState({
          kind: 'adafactor',
          step: prev.step,
          tensors: {
            exp_avg_sq_row: { shape: prev.exp_avg_sq_row.shape, data: Array.from(flat(prev.exp_avg_sq_row)) },
            exp_avg_sq_col: { shape: prev.exp_avg_sq_col.shape, data: Array.from(flat(prev.exp_avg_sq_col)) },
          },
        });
      }
      const prompt = promptBefore(fx, 'adafactor', index);
      const lr = opt.step(prompt, flat(s.grad));
      assert.equal(lr, 0.3);
      const promptErr = maxAbsDiff(prompt, flat(s.soft_prompt_after));
      const state = opt.getState();
      const expected = s.state_after;
      assert.ok(expected, `${dir}/extra.json train_steps.adafactor.steps[${index}].state_after is missing`);
      assert.equal(state.step, expected.step);
      const rowErr = maxRelDiff(Float32Array.from(state.tensors.exp_avg_sq_row.data), flat(expected.exp_avg_sq_row));
      const colErr = maxRelDiff(Float32Array.from(state.tensors.exp_avg_sq_col.data), flat(expected.exp_avg_sq_col));
      errors.push(`step ${s.step}: prompt max-abs ${promptErr.toExponential(2)}, row rel ${rowErr.toExponential(2)}, col rel ${colErr.toExponential(2)}`);
      assert.ok(promptErr <= STEP_TOL, `step ${s.step}: soft_prompt_after max-abs error ${promptErr} > ${STEP_TOL}`);
      assert.ok(rowErr <= STATE_REL_TOL, `step ${s.step}: exp_avg_sq_row max relative error ${rowErr} > ${STATE_REL_TOL}`);
      assert.ok(colErr <= STATE_REL_TOL, `step ${s.step}: exp_avg_sq_col max relative error ${colErr} > ${STATE_REL_TOL}`);
    });
    t.diagnostic(`Adafactor per step: ${errors.join('; ')}`);
  });

  test(`${dir}: Adafactor's weight decay moves P as in HF (P -= P * weightDecay * lr)`, () => {
    // The decay moves P by at most ~5e-6 here, inside the 1e-5 step tolerance, so compare the decay's
    // own effect: (step with decay - step without) in ours vs in the reference, to 1e-6, a fifth of
    // the effect and ~10x the float32 rounding of these values.
    const fx = load();
    const grad = flat(fx.adafactor.steps[0].grad);
    const withDecay = fx.initialPrompt.slice();
    createOptimizer('adafactor', fx.shape).step(withDecay, grad);
    const noDecay = fx.initialPrompt.slice();
    createOptimizer('adafactor', fx.shape, { weightDecay: 0 }).step(noDecay, grad);
    const recorded = flat(fx.adafactor.steps[0].soft_prompt_after);
    const ourEffect = withDecay.map((p, i) => p - noDecay[i]);
    const referenceEffect = recorded.map((p, i) => p - noDecay[i]);
    assert.ok(Math.max(...referenceEffect.map(Math.abs)) > 2e-6, 'the fixture prompt is too small for this check to mean anything');
    const err = maxAbsDiff(ourEffect, referenceEffect);
    assert.ok(err <= 1e-6, `weight decay effect differs from the reference by ${err}`);
  });

  test(`${dir}: Adam, each step from the recorded prompt and gradients matches torch`, (t) => {
    const fx = load();
    const steps = fx.adam.steps;
    const errors: string[] = [];
    steps.forEach((s, index) => {
      // No weight decay, so Adam's moments depend only on the recorded gradients: replay them.
      const opt = fixtureOptimizer('adam', fx);
      for (let j = 0; j < index; j++) opt.step(promptBefore(fx, 'adam', j), flat(steps[j].grad));
      const prompt = promptBefore(fx, 'adam', index);
      opt.step(prompt, flat(s.grad));
      const err = maxAbsDiff(prompt, flat(s.soft_prompt_after));
      errors.push(`step ${s.step}: ${err.toExponential(2)}`);
      assert.ok(err <= STEP_TOL, `step ${s.step}: soft_prompt_after max-abs error ${err} > ${STEP_TOL}`);
    });
    t.diagnostic(`Adam per step prompt max-abs: ${errors.join('; ')}`);
  });

  for (const kind of ['adafactor', 'adam'] as const) {
    test(`${dir}: ${kind}, the 3-step trajectory from cases.json's prompt follows the reference`, (t) => {
      const fx = load();
      const opt = fixtureOptimizer(kind, fx);
      const prompt = fx.initialPrompt.slice();
      const errors = fx[kind].steps.map((s) => {
        opt.step(prompt, flat(s.grad));
        const err = maxAbsDiff(prompt, flat(s.soft_prompt_after));
        assert.ok(err <= TRAJECTORY_TOL, `step ${s.step}: soft_prompt_after max-abs error ${err} > ${TRAJECTORY_TOL}`);
        return err.toExponential(2);
      });
      t.diagnostic(`${kind} trajectory max-abs per step: ${errors.join(', ')}`);
    });

    test(`${dir}: ${kind}, state saved as JSON after step 1 resumes identically and still matches the reference`, () => {
      const fx = load();
      const steps = fx[kind].steps;
      const original = fixtureOptimizer(kind, fx);
      const prompt = fx.initialPrompt.slice();
      original.step(prompt, flat(steps[0].grad));
      const saved = JSON.parse(JSON.stringify(original.getState())) as OptimizerState;
      const resumed = fixtureOptimizer(kind, fx);
      resumed.setState(saved);
      assert.deepEqual(resumed.getState(), original.getState());
      const promptResumed = Float32Array.from(prompt);
      for (const s of steps.slice(1)) {
        original.step(prompt, flat(s.grad));
        resumed.step(promptResumed, flat(s.grad));
        assert.deepEqual(promptResumed, prompt, `step ${s.step}: the resumed optimizer diverged from the uninterrupted one`);
        const err = maxAbsDiff(promptResumed, flat(s.soft_prompt_after));
        assert.ok(err <= TRAJECTORY_TOL, `step ${s.step}: resumed soft_prompt_after max-abs error ${err} > ${TRAJECTORY_TOL}`);
      }
      assert.deepEqual(resumed.getState(), original.getState());
    });
  }
});
