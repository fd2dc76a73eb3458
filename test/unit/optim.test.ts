// The prompt optimisers' own rules: state checks, argument checks, HF's constructor and learning-rate
// rules. Their steps against HF/torch's recorded ones are in test/golden/optimizer-reference.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adafactor, OptimizerStateError, PAPER_ADAFACTOR, createOptimizer, warmupFactor } from '../../src/core/training/optim';

test('setState rejects a state made for another prompt shape, naming the tensor and both shapes', () => {
  const saved = createOptimizer('adafactor', [5, 32]).getState();
  assert.throws(
    () => createOptimizer('adafactor', [4, 32]).setState(saved),
    (e: unknown) => e instanceof OptimizerStateError && /"exp_avg_sq_row" has shape \[5\] but this prompt needs \[4\]/.test(e.message),
  );
  const adamSaved = createOptimizer('adam', [5, 32]).getState();
  assert.throws(() => createOptimizer('adam', [5, 16]).setState(adamSaved), /"exp_avg" has shape \[5, 32\] but this prompt needs \[5, 16\]/);
});

test('setState rejects the other optimizer\'s state, missing tensors and non-finite values', () => {
  const adafactor = createOptimizer('adafactor', [2, 3]);
  assert.throws(() => adafactor.setState(createOptimizer('adam', [2, 3]).getState()), /saved by the "adam" optimizer/);
  const state = adafactor.getState();
  assert.throws(() => adafactor.setState({ ...state, tensors: { exp_avg_sq_row: state.tensors.exp_avg_sq_row } }), /"exp_avg_sq_col" is missing/);
  const nan = { ...state, tensors: { ...state.tensors, exp_avg_sq_col: { shape: [3], data: [0, Number.NaN, 0] } } };
  assert.throws(() => adafactor.setState(nan), /non-finite value at index 1/);
  assert.throws(() => adafactor.setState({ ...state, step: -1 }), /"step" must be a non-negative integer/);
});

test('step rejects a gradient whose size does not match the prompt', () => {
  for (const kind of ['adafactor', 'adam'] as const) {
    assert.throws(() => createOptimizer(kind, [2, 3]).step(new Float32Array(6), new Float32Array(5)), /must both hold 6 values/);
  }
});

test('Adafactor options follow HF\'s constructor rules', () => {
  const relative = { ...PAPER_ADAFACTOR, lr: null, relativeStep: true };
  assert.throws(() => new Adafactor([2, 3], { ...relative, lr: 0.3 }), /manual lr cannot be combined with relativeStep/);
  assert.throws(() => new Adafactor([2, 3], { ...PAPER_ADAFACTOR, warmupInit: true }), /warmupInit requires relativeStep/);
});

test('Adafactor learning rate follows HF _get_lr: min(1e-2 or 1e-6*t, 1/sqrt(t)) times max(eps2, RMS(P))', () => {
  const relative = { ...PAPER_ADAFACTOR, lr: null, relativeStep: true };
  const grad = Float32Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]);
  const plain = new Adafactor([2, 3], relative);
  const warm = new Adafactor([2, 3], { ...relative, warmupInit: true });
  for (let t = 1; t <= 3; t++) {
    assert.equal(plain.step(new Float32Array(6), grad), 1e-2);
    assert.equal(warm.step(new Float32Array(6), grad), 1e-6 * t);
  }
  // scale_parameter: the step size is scaled by the parameter's RMS before the step (here RMS = 2).
  const scaled = new Adafactor([2, 3], { ...relative, scaleParameter: true });
  assert.equal(scaled.step(new Float32Array(6).fill(2), grad), 2 * 1e-2);
  assert.equal(new Adafactor([2, 3], { ...relative, scaleParameter: true }).step(new Float32Array(6), grad), 1e-3 * 1e-2);
});

test('warmup: the rate ramps linearly from 0 (as HF\'s linear schedule), then stays; warmup 0 changes no bit', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((t) => warmupFactor(t, 4)), [0, 0.25, 0.5, 0.75, 1, 1]);
  const grad = Float32Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]);
  for (const [kind, rate] of [['adafactor', 0.3], ['adam', 0.01]] as const) {
    const warm = createOptimizer(kind, [2, 3]);
    const prompt = new Float32Array(6).fill(1);
    assert.deepEqual([0, 1, 2, 3].map((t) => warm.step(prompt, grad, warmupFactor(t, 2))), [0, rate / 2, rate, rate], kind);

    const plain = createOptimizer(kind, [2, 3]);
    const none = createOptimizer(kind, [2, 3]);
    const [a, b] = [new Float32Array(6).fill(1), new Float32Array(6).fill(1)];
    for (let t = 0; t < 3; t++) assert.equal(none.step(b, grad, warmupFactor(t, 0)), plain.step(a, grad));
    assert.deepEqual(b, a, `${kind}: warmup 0 takes the same steps`);
    assert.deepEqual(none.getState(), plain.getState());
  }
});
