// What the panel's actions decide, without VS Code: how Try groups prompts into worker requests and
// joins their answers, the setup form's starting choices, the playground's prompt list, the form's
// field naming, and the panel's request handlers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinTryResults, tryPrompts, tryRequests, type TryAsk } from '../../src/extension/playground/try-prompts';
import { FORM_NAMING, promptChoices, setupChoices } from '../../src/extension/setup/setup-choices';
import { panelHandlers, type PanelActions, type PanelHost } from '../../src/extension/panel/handlers';
import { answerRequest } from '../../src/extension/panel/requests';
import { readTunerSettings } from '../../src/extension/configuration';
import type { ModelOption } from '../../src/extension/setup/model-choices';
import type { SavedPrompt } from '../../src/extension/prompts/saved-prompt';
import { parseWith } from '../../src/core/schema';
import { RunSettingsSchema } from '../../src/core/settings/run-settings';
import type { TryRequest, TryResult } from '../../src/worker/protocol';
import { managerWithFakeWorkers } from '../support/fake-worker';
import { planSweep, type SweepGridInput } from '../../src/extension/sweeps/sweep-group';
import type { FormValues } from '../../webview/protocol';

const prompts: Record<string, Pick<SavedPrompt, 'model' | 'promptLength'>> = {
  '/w/a/prompt': { model: '/w/models/tiny', promptLength: 20 },
  '/w/b/prompt': { model: '/w/models/tiny', promptLength: 20 },
  '/w/c/prompt': { model: '/w/models/tiny', promptLength: 50 },
  '/w/other/prompt': { model: 'google/flan-t5-small', promptLength: 20 },
};
const find = (dir: string) => prompts[dir];
const ask = (over: Partial<TryAsk>): TryAsk => ({ input: 'an apple', prompts: [], ensemble: false, settingModel: 'google/t5-base-lm-adapt', backend: 'auto', ...over });

test('Try: the model alone, one request per prompt length (the first also without a prompt), the model from the prompts, the run, or the setting', () => {
  assert.deepEqual(tryRequests(ask({}), find), [{ model: 'google/t5-base-lm-adapt', prompts: [], ensemble: false, inputs: ['an apple'], includeBare: true, backend: 'auto' }]);
  assert.equal(tryRequests(ask({ runModel: '/w/models/run' }), find)[0]!.model, '/w/models/run', 'no prompt: the selected run’s model');
  const mixed = tryRequests(ask({ prompts: ['/w/a/prompt', '/w/c/prompt', '/w/b/prompt'], runModel: '/w/models/run' }), find);
  assert.deepEqual(
    mixed.map((r) => [r.model, r.prompts, r.includeBare]),
    [
      ['/w/models/tiny', ['/w/a/prompt', '/w/b/prompt'], true],
      ['/w/models/tiny', ['/w/c/prompt'], false],
    ],
  );
  const ensemble = tryRequests(ask({ prompts: ['/w/a/prompt', '/w/b/prompt'], ensemble: true }), find);
  assert.equal(ensemble.length, 1, 'an ensemble of one length: one mixed-prompt pass');
  assert.equal(ensemble[0]!.ensemble, false, 'the host takes the vote over every group’s answers');
  assert.equal(tryRequests(ask({ prompts: ['/w/a/prompt', '/w/c/prompt'], ensemble: true }), find).length, 2, 'an ensemble of two lengths: a pass per length');
  assert.equal(tryRequests(ask({ prompts: ['/w/a/prompt'], labelMap: ' entailment=duplicate,not_entailment=not_duplicate ' }), find)[0]!.labelMap, 'entailment=duplicate,not_entailment=not_duplicate');
  assert.equal(tryRequests(ask({ prompts: ['/w/a/prompt'], labelMap: '  ' }), find)[0]!.labelMap, undefined, 'a blank label map is none');
  assert.equal(tryRequests(ask({ prompts: ['/w/gone/prompt'] }), find)[0]!.prompts[0], '/w/gone/prompt', 'an unreadable prompt is still sent: the worker says what is wrong');
});

test('Try refuses prompts of two models, saying why', () => {
  assert.throws(() => tryRequests(ask({ prompts: ['/w/a/prompt', '/w/other/prompt'] }), find), /different models \(tiny, flan-t5-small\); choose prompts of one model/);
});

test('the playground’s ensemble votes on labels when the prompts have them: two prompts that both rank "yes" first agree, whatever they generate', async () => {
  // Both members rank yes above no (log-probabilities -0.2 > -1.9 and -0.5 > -1.1) but generate different strings.
  const answers: Record<string, TryResult['outputs'][number]> = {
    '/w/a/prompt': { prompt: '/w/a/prompt', text: 'yes yes', labelScores: { no: -1.9, yes: -0.2 }, label: 'yes' },
    '/w/c/prompt': { prompt: '/w/c/prompt', text: 'yes.', labelScores: { no: -1.1, yes: -0.5 }, label: 'yes' },
  };
  const send = async (r: TryRequest): Promise<TryResult[]> => r.inputs.map((input) => ({ input, outputs: r.prompts.map((p) => answers[p]!) }));
  const [voted] = await tryPrompts(ask({ prompts: ['/w/a/prompt', '/w/c/prompt'], ensemble: true }), find, send);
  assert.deepEqual(voted!.ensemble, { text: 'yes', votes: { yes: 2 }, by: 'label' });
  // Without labels the members vote on what they generated: a 1-1 tie, the first member's string.
  const bare = (p: string) => ({ prompt: p, text: answers[p]!.text });
  const [unlabelled] = await tryPrompts(ask({ prompts: ['/w/a/prompt', '/w/c/prompt'], ensemble: true }), find, async (r) => r.inputs.map((input) => ({ input, outputs: r.prompts.map(bare) })));
  assert.deepEqual(unlabelled!.ensemble, { text: 'yes yes', votes: { 'yes yes': 1, 'yes.': 1 }, by: 'text' });
  // A 1-1 label tie goes to the label with the larger log-probability summed over both members: no (-0.3 + -1.2 = -1.5) beats
  // yes (-1.5 + -0.1 = -1.6), although yes comes first and its voter is the more confident one (-0.1 against -0.3).
  const split = [{ prompt: 'a', text: 'no', labelScores: { yes: -1.5, no: -0.3 } }, { prompt: 'b', text: 'yes', labelScores: { yes: -0.1, no: -1.2 } }];
  assert.deepEqual(joinTryResults([[{ input: 'x', outputs: split }]], true)[0]!.ensemble, { text: 'no', votes: { no: 1, yes: 1 }, by: 'label' });
  assert.deepEqual(joinTryResults([[{ input: 'x', outputs: split }]])[0]!.ensemble, undefined, 'no vote unless asked');
});

test('Try joins the answers of its requests into one row per input, the bare model first', async () => {
  const answer = (request: TryRequest): TryResult[] =>
    request.inputs.map((input) => ({ input, ...(request.includeBare ? { bare: 'no' } : {}), outputs: request.prompts.map((p) => ({ prompt: p, text: `yes from ${p}` })) }));
  const sent: TryRequest[] = [];
  const results = await tryPrompts(ask({ prompts: ['/w/a/prompt', '/w/c/prompt'] }), find, async (r) => {
    sent.push(r);
    return answer(r);
  });
  assert.equal(sent.length, 2, 'one request per length, one after the other');
  assert.deepEqual(results, [{ input: 'an apple', bare: 'no', outputs: [{ prompt: '/w/a/prompt', text: 'yes from /w/a/prompt' }, { prompt: '/w/c/prompt', text: 'yes from /w/c/prompt' }] }]);
  assert.deepEqual(joinTryResults([]), []);
});

test('the setup form starts from a checkpoint and a data file the workspace holds, else from the settings', () => {
  const settings = readTunerSettings((key) => ({ model: 'google/t5-base-lm-adapt', promptLength: 50 })[key]);
  const option: ModelOption = { group: 'workspace', label: 'models/tiny', value: '/w/models/tiny', detail: 'folder in the workspace' };
  const found = setupChoices(settings, { workspaceModels: [{ label: 'models/tiny', value: '/w/models/tiny' }], models: [option], datasets: [{ label: 'data/k.jsonl', value: '/w/data/k.jsonl' }] });
  assert.equal(found.defaults.model, '/w/models/tiny');
  assert.equal(found.defaults.train, '/w/data/k.jsonl');
  assert.equal(found.defaults.promptLength, '50', 'the other fields from the settings');
  assert.deepEqual(found.models.map((m) => m.value), ['/w/models/tiny']);
  const none = setupChoices(settings, { workspaceModels: [], models: [], datasets: [] });
  assert.equal(none.defaults.model, 'google/t5-base-lm-adapt');
  assert.equal(none.defaults.train, '');
});

test('the playground lists prompts with their metric, and the form names a bad field by its label', () => {
  const saved: SavedPrompt = { dir: '/w/a/prompt', name: 'a', source: 'prompt-tuner', model: 'tiny', promptLength: 20, metric: { name: 'rank accuracy', value: 0.875, step: 30 } };
  assert.deepEqual(promptChoices([saved, { ...saved, dir: '/w/b/prompt', name: 'b', metric: undefined }]), [
    { dir: '/w/a/prompt', name: 'a', model: 'tiny', promptLength: 20, metric: 'rank accuracy 87.5%' },
    { dir: '/w/b/prompt', name: 'b', model: 'tiny', promptLength: 20, metric: undefined },
  ]);
  assert.throws(() => parseWith(RunSettingsSchema, { model: 'm', train: 't', out: 'o', promptLength: 0 }, FORM_NAMING), { message: /^Prompt length must be at least 1/ });
});

/** Panel actions that fail if the test did not expect them to be used. */
function actions(over: Partial<PanelActions> = {}): PanelActions {
  const unexpected = (name: string) => () => {
    throw new Error(`unexpected ${name}`);
  };
  return {
    setupChoices: unexpected('setupChoices'), prompts: () => [], start: unexpected('start'), startSweep: unexpected('startSweep'), datasetFields: unexpected('datasetFields'), browse: unexpected('browse'),
    tryPrompts: unexpected('tryPrompts'), nativeStatus: () => ({ state: 'none', summary: 'Not set up' }), setUpNative: unexpected('setUpNative'), log: () => undefined,
    ...over,
  };
}

test('the panel’s handlers: Start shows the new run, Try uses the selected run’s model, each reply answers its request', async () => {
  const { manager } = managerWithFakeWorkers();
  let selected: string | undefined;
  const shown: [string, string | undefined][] = [];
  const tried: (string | undefined)[] = [];
  const host: PanelHost = {
    runs: manager,
    actions: actions({
      start: () => manager.create(parseWith(RunSettingsSchema, { model: '/w/models/tiny', train: '/w/k.jsonl', out: '/w/.prompts/k-1' }), 'k-1'),
      tryPrompts: async (_ask, model) => {
        tried.push(model);
        return [];
      },
    }),
    isTrusted: () => true,
    selectedRunId: () => selected,
    pendingView: () => undefined,
    showRun: (runId, view) => {
      selected = runId;
      shown.push([runId, view]);
    },
    showSweep: () => assert.fail('no sweep was started'),
  };
  const handlers = panelHandlers(host);
  const started = await answerRequest({ type: 'start', id: 1, form: {} }, handlers, () => undefined);
  assert.equal(started?.type, 'started');
  assert.deepEqual(shown, [[selected, 'progress']]);
  const tryReply = await answerRequest({ type: 'try', id: 2, input: 'x', prompts: [], ensemble: false }, handlers, () => undefined);
  assert.deepEqual(tryReply, { type: 'tryResult', id: 2, results: [] });
  assert.deepEqual(tried, ['/w/models/tiny']);
});

test('the setup form’s Start sweep: the form is the base run, the grid queues a run per cell, and the Sweep view shows the sweep', async () => {
  const { manager } = managerWithFakeWorkers();
  const sweeps: string[] = [];
  const asked: [FormValues, SweepGridInput][] = [];
  const host: PanelHost = {
    runs: manager,
    actions: actions({
      startSweep: (form, grid) => {
        asked.push([form, grid]);
        const base = parseWith(RunSettingsSchema, { model: '/w/models/tiny', train: '/w/k.jsonl', out: '/w/.prompts/k-1', steps: Number(form.steps) });
        return manager.createSweep(planSweep(base, grid, '/w/.prompts/k-sweep-1', 'sweep-1', 'k-sweep-1'))[0]!.sweep!.id;
      },
    }),
    isTrusted: () => true,
    selectedRunId: () => undefined,
    pendingView: () => undefined,
    showRun: () => assert.fail('a sweep shows its Sweep view, not one run'),
    showSweep: (id) => sweeps.push(id),
  };
  const grid = { promptLength: '1,5', init: 'random-uniform', seeds: '1' };
  const reply = await answerRequest({ type: 'startSweep', id: 4, form: { steps: '12' }, grid }, panelHandlers(host), () => undefined);
  assert.deepEqual(reply, { type: 'done', id: 4 });
  assert.deepEqual(asked, [[{ steps: '12' }, grid]]);
  assert.deepEqual(sweeps, ['sweep-1']);
  assert.deepEqual(manager.list().map((r) => [r.name, r.request.steps, r.status]), [['prompt-length-1_init-random-uniform_seed-0', 12, 'training'], ['prompt-length-5_init-random-uniform_seed-0', 12, 'queued']]);
  const bad = await answerRequest({ type: 'startSweep', id: 5, form: { steps: '12' }, grid: { ...grid, seeds: 'x' } }, panelHandlers(host), () => undefined);
  assert.equal(bad?.type, 'error');
  assert.match(bad?.type === 'error' ? bad.message : '', /number of seeds must be a whole number/);
  // Prompt design's fields reach the sweep as typed, and bad shots are refused saying what to do.
  const designed = { ...grid, textPrompt: 'Is this review positive?', shots: '2' };
  await answerRequest({ type: 'startSweep', id: 6, form: { steps: '12' }, grid: designed }, panelHandlers(host), () => undefined);
  assert.deepEqual(asked.at(-1), [{ steps: '12' }, designed]);
  const badShots = await answerRequest({ type: 'startSweep', id: 7, form: { steps: '12' }, grid: { ...designed, shots: 'some' } }, panelHandlers(host), () => undefined);
  assert.match(badShots?.type === 'error' ? badShots.message : '', /Shots must be a whole number of at least 1/);
});
