// Tune Prompt's and Start Sweep's guided steps as their titles count them: Start Sweep asks the base
// run's model, data, fields and labels, then its grid instead of one prompt length and init, so the
// user answers each thing once and the count ends at prompt design's optional text prompt and shots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DATA_STEPS, START_SWEEP_STEPS, stepTitle, TUNE_PROMPT_STEPS } from '../../src/extension/setup/guided-steps';

test('Start Sweep\'s steps are titled for it, the grid\'s three questions and prompt design\'s two numbered after the labels', () => {
  assert.equal(stepTitle(START_SWEEP_STEPS, 1, 'model'), 'Start Sweep (1/9): model');
  assert.equal(stepTitle(START_SWEEP_STEPS, DATA_STEPS, 'labels'), 'Start Sweep (4/9): labels');
  assert.equal(stepTitle(START_SWEEP_STEPS, DATA_STEPS + 3, 'seeds'), 'Start Sweep (7/9): seeds');
  assert.equal(stepTitle(START_SWEEP_STEPS, DATA_STEPS + 5, 'shots'), 'Start Sweep (9/9): shots');
  assert.equal(START_SWEEP_STEPS.asksPrompt, false, 'the grid asks the prompt lengths and inits');
  assert.equal(stepTitle(TUNE_PROMPT_STEPS, 6, 'initialisation'), 'Tune Prompt (6/6): initialisation');
  assert.equal(TUNE_PROMPT_STEPS.asksPrompt, true);
});
