// The two process boundaries of the extension, host <-> worker and host <-> panel: well-formed
// messages of every kind pass (with the settings' defaults applied to a run request); a malformed
// message of every kind is refused with the message and the field named, and with its request's id
// when it has one (so that the request is still answered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { parseHostMessage, parseWorkerMessage, ProtocolError, type TrainEvent, type TryResult } from '../../src/worker/protocol';
import { FORM_FIELDS, parseHostToWebview, parseWebviewMessage, type RunSummary } from '../../webview/protocol';

/** Asserts that parsing fails with a ProtocolError matching `pattern` (and carrying `requestId`). */
function refused(parse: () => unknown, pattern: RegExp, requestId?: number): void {
  assert.throws(parse, (err: Error) => {
    assert.ok(err instanceof ProtocolError, `${err.constructor.name}: ${err.message}`);
    assert.match(err.message, pattern);
    assert.equal(err.requestId, requestId);
    return true;
  });
}

const request = { model: '/m', train: '/d.jsonl', out: '/o' };

test('host -> worker: a run request is checked in every field and completed with the defaults', () => {
  const start = parseHostMessage({ type: 'start', id: 1, request: { ...request, valid: '/v.jsonl', inputField: 'text', targetField: 'label', template: 'q: {text}', verbalizer: '0=no,1=yes', init: 'text:"Is it a keyword?"', resume: '/o/checkpoint', backend: 'cpu', labels: ['no', 'yes'] } });
  assert.ok(start.type === 'start');
  assert.deepEqual(start.request, resolveRunSettings({ ...start.request }), 'what the worker gets is complete and checked');
  assert.deepEqual(start.request.init, { kind: 'text', text: 'Is it a keyword?' });
  assert.equal(start.request.batchSize, 32);
  assert.equal(start.request.checkpointEvery, 100, 'checkpoints at each evaluation');

  const bad = (fields: Record<string, unknown>) => () => parseHostMessage({ type: 'start', id: 7, request: { ...request, ...fields } });
  refused(bad({ steps: 'ten' }), /^host message start: "request\.steps" must be a number \(got "ten"\)$/, 7);
  refused(bad({ steps: 2.5 }), /"request\.steps" must be a whole number \(got 2\.5\)/, 7);
  refused(bad({ valid: 3 }), /"request\.valid" must be a string \(got 3\)/, 7);
  refused(bad({ inputField: '' }), /"request\.inputField" must not be empty/, 7);
  refused(bad({ targetField: null }), /"request\.targetField" must be a string/, 7);
  refused(bad({ template: ['q'] }), /"request\.template" must be a string/, 7);
  refused(bad({ verbalizer: 1 }), /"request\.verbalizer" must be a string/, 7);
  refused(bad({ init: 'zeros' }), /"request\.init" is not a prompt initialisation \("zeros" is not known/, 7);
  refused(bad({ resume: false }), /"request\.resume" must be a string/, 7);
  refused(bad({ backend: 'tpu' }), /"request\.backend" must be one of auto, node-gpu, webgpu, node, wasm, cpu \(got "tpu"\)/, 7);
  refused(bad({ optimizer: 'sgd' }), /"request\.optimizer" must be one of adafactor, adam \(got "sgd"\)/, 7);
  refused(bad({ labels: ['a', ''] }), /"request\.labels\[1\]" must not be empty/, 7);
  refused(bad({ dropout: 1 }), /"request\.dropout" must be less than 1 \(got 1\)/, 7);
  refused(bad({ colour: 'red' }), /"request\.colour" is not a known field/, 7);
  refused(() => parseHostMessage({ type: 'start', id: 7, request: { model: '/m', out: '/o' } }), /"request\.train" is required/, 7);
  refused(() => parseHostMessage({ type: 'start', request }), /"id" is required/);
});

test('host -> worker: the other messages pass; a malformed one of each kind is refused, named', () => {
  for (const message of [
    { type: 'stop' },
    { type: 'cancelDownload' },
    { type: 'try', id: 3, request: { model: '/m', prompts: ['/p'], ensemble: false, inputs: ['x'], labels: ['no'], includeBare: true, maxNewTokens: 4, backend: 'wasm' } },
    { type: 'inspect', id: 1, request: { model: '/m', prompt: '/p', top: 10 } },
    { type: 'exportNpy', id: 2, prompt: '/p', out: '/x.npy' },
    { type: 'importPeft', id: 5, adapter: '/job/output/prompt', model: '/m', out: '/w/.prompts/imported/job-1', backend: 'wasm' },
    { type: 'checkBackend', id: 4, backend: 'auto' },
  ]) assert.deepEqual(parseHostMessage(message), message);

  refused(() => parseHostMessage({ type: 'stop', now: true }), /^host message stop: "now" is not a known field$/);
  refused(() => parseHostMessage({ type: 'cancelDownload', id: 'x' }), /"id" is not a known field/);
  refused(() => parseHostMessage({ type: 'try', id: 1, request: { model: '/m', prompts: [1], ensemble: false, inputs: [] } }), /"request\.prompts\[0\]" must be a string \(got 1\)/, 1);
  refused(() => parseHostMessage({ type: 'try', id: 1, request: { model: '/m', prompts: [], ensemble: 'no', inputs: [] } }), /"request\.ensemble" must be true or false/, 1);
  refused(() => parseHostMessage({ type: 'try', id: 1, request: { model: '/m', prompts: [], ensemble: false, inputs: [], labelMap: 3 } }), /"request\.labelMap" must be a string/, 1);
  refused(() => parseHostMessage({ type: 'inspect', id: 2, request: { model: '/m', prompt: '/p', top: 0 } }), /"request\.top" must be at least 1 \(got 0\)/, 2);
  refused(() => parseHostMessage({ type: 'exportNpy', id: 3, prompt: '/p' }), /"out" is required/, 3);
  refused(() => parseHostMessage({ type: 'importPeft', id: 5, adapter: '/a', out: '/o' }), /"model" is required/, 5);
  refused(() => parseHostMessage({ type: 'checkBackend', id: -1, backend: 'auto' }), /"id" must be at least 0 \(got -1\)/);
  refused(() => parseHostMessage({ type: 'launch' }), /^host message launch: "type" must be one of start, stop, cancelDownload, try, inspect, exportNpy, importPeft, checkBackend, textPrompt \(got "launch"\)$/);
  refused(() => parseHostMessage(null), /^host message: the value must be an object \(got null\)$/);
});

const step: TrainEvent = { type: 'step', step: 1, totalSteps: 10, epoch: 1, loss: 2, learningRate: 0.3, examplesPerSecond: 5, etaSeconds: 9, memoryMB: 10 };
const insight = { index: 0, nearest: [{ id: 5, piece: '▁yes', cosine: 0.9 }], norm: 3, vocabMeanNorm: 2, drift: 0.1, isLabel: true };
const tried: TryResult = { input: 'x', bare: 'y', outputs: [{ prompt: '/p', text: 'yes', labelScores: { yes: -0.1, no: -2 } }], ensemble: { text: 'yes', votes: { yes: 2 }, by: 'label' } };
// 3 examples: gold yes -> yes, gold yes -> "maybe" (no label), gold no -> yes.
const checks = { labels: ['no', 'yes'], golds: ['no', 'yes'], confusion: [[0, 1, 0], [0, 1, 1]], invalid: 1, invalidExamples: [{ text: 'maybe', count: 1 }], neverPredicted: ['no'] };

test('worker -> host: events and replies pass; a malformed one of each kind is refused, named', () => {
  const events: TrainEvent[] = [
    { type: 'started', runDir: '/o', backend: 'cpu', model: '/m', totalSteps: 10, promptLength: 4, dModel: 32, trainExamples: 9, validExamples: 1, validFromTrain: true, skippedLines: 0, truncatedInputs: 0, labels: ['no', 'yes'] },
    step,
    { type: 'eval', step: 3, exactMatch: 0.5, rankAccuracy: 0.75, metric: 'rank', score: 0.75, validLoss: 1.2, best: true, insights: [insight] },
    { type: 'eval', step: 4, exactMatch: 1 / 3, metric: 'exact-match', score: 1 / 3, validLoss: 1.1, best: false, insights: [], labelChecks: checks },
    { type: 'checkpoint', step: 3, dir: '/o/checkpoint', reason: 'interval' },
    { type: 'log', level: 'warn', message: 'careful' },
    { type: 'done', status: 'completed', step: 10, bestStep: 3, bestMetric: 0.75, promptDir: '/o/prompt', message: 'Done' },
  ];
  for (const event of events) assert.deepEqual(parseWorkerMessage({ type: 'event', id: 1, event }), { type: 'event', id: 1, event });
  for (const message of [
    { type: 'tryResult', id: 2, results: [tried] },
    { type: 'inspectResult', id: 3, insights: [insight] },
    { type: 'exported', id: 4, path: '/x.npy' },
    { type: 'imported', id: 6, path: '/w/.prompts/imported/job-1', fingerprintChecked: true, notes: [] },
    { type: 'error', id: 5, message: 'boom', detail: 'stack', code: 'gated' },
    { type: 'error', message: 'a message without a readable id' },
  ]) assert.deepEqual(parseWorkerMessage(message), message);

  refused(() => parseWorkerMessage({ type: 'event', id: 1, event: { ...step, loss: 'NaN' } }), /^worker message event: "event\.loss" must be a number \(got "NaN"\)$/, 1);
  refused(() => parseWorkerMessage({ type: 'event', id: 1, event: { type: 'progress' } }), /"event\.type" must be one of started, step, eval, checkpoint, log, done \(got "progress"\)/, 1);
  refused(() => parseWorkerMessage({ type: 'event', id: 1, event: { type: 'eval', step: 3, exactMatch: 0, validLoss: 1, best: false } }), /"event\.insights" is required/, 1);
  refused(() => parseWorkerMessage({ type: 'event', id: 1, event: { ...events[2], insights: [{ ...insight, nearest: [{ id: 5, piece: 7, cosine: 1 }] }] } }), /"event\.insights\[0\]\.nearest\[0\]\.piece" must be a string/, 1);
  refused(() => parseWorkerMessage({ type: 'event', id: 1, event: { type: 'done', status: 'completed', step: 1, message: '' } }), /"event\.promptDir" is required/, 1);
  const evalWith = (labelChecks: object) => ({ type: 'event', id: 1, event: { ...events[3], labelChecks } });
  refused(() => parseWorkerMessage(evalWith({ ...checks, confusion: [[0, 1, 0]] })), /"event\.labelChecks".*one row per gold label/, 1);
  refused(() => parseWorkerMessage(evalWith({ ...checks, confusion: [[0, 1], [0, 1]] })), /one column per label and one for other outputs/, 1);
  refused(() => parseWorkerMessage(evalWith({ ...checks, invalid: 2 })), /invalid must be the sum/, 1);
  refused(() => parseWorkerMessage(evalWith({ ...checks, confusion: [[0, 1.5, 0], [0, 1, 1]] })), /"event\.labelChecks\.confusion\[0\]\[1\]" must be a whole number/, 1);
  refused(() => parseWorkerMessage({ type: 'tryResult', id: 2, results: {} }), /"results" must be a list/, 2);
  refused(() => parseWorkerMessage({ type: 'tryResult', id: 2, results: [{ ...tried, ensemble: { text: 'yes', votes: { yes: 2 }, by: 'mood' } }] }), /"results\[0\]\.ensemble\.by" must be one of label, text/, 2);
  refused(() => parseWorkerMessage({ type: 'tryResult', id: 2, results: [{ ...tried, outputs: [{ prompt: '/p', text: 'yes', labelScores: { yes: 'high' } }] }] }), /"results\[0\]\.outputs\[0\]\.labelScores\.yes" must be a number/, 2);
  refused(() => parseWorkerMessage({ type: 'inspectResult', id: 3, insights: [{ ...insight, isLabel: 'yes' }] }), /"insights\[0\]\.isLabel" must be true or false/, 3);
  refused(() => parseWorkerMessage({ type: 'exported', id: 4 }), /"path" is required/, 4);
  refused(() => parseWorkerMessage({ type: 'imported', id: 6, path: '/p', notes: [] }), /"fingerprintChecked" is required/, 6);
  refused(() => parseWorkerMessage({ type: 'error', id: 5 }), /"message" is required/, 5);
});

const run: RunSummary = { id: 'r', name: 'keywords-1', status: 'training', request: resolveRunSettings(request), step: 3, totalSteps: 10 };

test('panel -> host: every request passes with its id; a malformed one of each kind is refused, named, with its id', () => {
  const form = { model: '/m', train: 'data/train.jsonl', labels: 'no, yes', promptLength: '20', lr: '' };
  for (const message of [
    { type: 'ready', id: 1 },
    { type: 'start', id: 2, form },
    { type: 'selectRun', id: 3, runId: 'r' },
    { type: 'stop', id: 4, runId: 'r' },
    { type: 'resume', id: 5, runId: 'r' },
    { type: 'browse', id: 6, field: 'train' },
    { type: 'datasetFields', id: 7, train: '/d.jsonl' },
    { type: 'try', id: 8, input: 'hi', prompts: ['/p'], ensemble: true },
    { type: 'try', id: 9, input: 'hi', prompts: ['/p'], ensemble: false, labelMap: 'entailment=duplicate,not_entailment=not_duplicate' },
    { type: 'setUpNative', id: 10 },
  ]) assert.deepEqual(parseWebviewMessage(message), message);

  refused(() => parseWebviewMessage({ type: 'ready' }), /^panel message ready: "id" is required$/);
  refused(() => parseWebviewMessage({ type: 'start', id: 2, form: { ...form, promptLength: 20 } }), /"form\.promptLength" must be a string \(got 20\)/, 2);
  refused(() => parseWebviewMessage({ type: 'start', id: 2, form: { ...form, out: '/elsewhere' } }), /"form\.out" is not a known field/, 2);
  refused(() => parseWebviewMessage({ type: 'selectRun', id: 3 }), /"runId" is required/, 3);
  refused(() => parseWebviewMessage({ type: 'stop', id: 4, runId: 1 }), /"runId" must be a string/, 4);
  refused(() => parseWebviewMessage({ type: 'resume', id: 5, runId: 'r', now: true }), /"now" is not a known field/, 5);
  refused(() => parseWebviewMessage({ type: 'browse', id: 6, field: 'home' }), /"field" must be one of model, train, hubDataset \(got "home"\)/, 6);
  refused(() => parseWebviewMessage({ type: 'datasetFields', id: 7 }), /"train" is required/, 7);
  refused(() => parseWebviewMessage({ type: 'try', id: 8, input: '  ', prompts: [], ensemble: false }), /"input" must not be blank/, 8);
  refused(() => parseWebviewMessage({ type: 'try', id: 8, input: 'x', prompts: [], ensemble: false, labelMap: ['a', 'b'] }), /"labelMap" must be a string/, 8);
  refused(() => parseWebviewMessage({ type: 'setUpNative', id: 1.5 }), /"id" must be a whole number/);
  refused(() => parseWebviewMessage({ type: 'eval', id: 11 }), /"type" must be one of ready, start, /, 11);
  assert.deepEqual(FORM_FIELDS.map((f) => f.name).slice(0, 2), ['model', 'train'], 'the form\'s fields come from the settings schema');
});

test('host -> panel: replies and pushes pass; a malformed one of each kind is refused, named', () => {
  const init = {
    type: 'init', id: 1, runs: [run], selectedRunId: 'r', view: 'progress',
    setup: { models: [{ label: 'tiny', value: '/m', detail: 'folder' }], datasets: [], defaults: { model: '/m', promptLength: '20' } },
    prompts: [{ dir: '/p', name: 'p', model: '/m', promptLength: 4, metric: 'rank accuracy 75.0%' }], trusted: true, native: { state: 'none', summary: 'Not set up' },
  };
  for (const message of [
    init,
    { type: 'started', id: 2, runId: 'r' },
    { type: 'browsed', id: 3, value: '/m' },
    { type: 'browsed', id: 3 },
    { type: 'datasetFields', id: 4, fields: { train: '/d.jsonl', fields: ['text', 'label'], inputField: 'text', targetField: 'label', labels: ['no', 'yes'] } },
    { type: 'tryResult', id: 5, results: [tried] },
    { type: 'done', id: 6 },
    { type: 'error', id: 7, message: 'Prompt length must be at least 1 (got 0)', field: 'promptLength' },
    { type: 'native', status: { state: 'ready', summary: 'fast', variant: 'cpu' } },
    { type: 'run', run },
    { type: 'runRemoved', runId: 'r' },
    { type: 'history', runId: 'r', events: [step] },
    { type: 'event', runId: 'r', event: step },
    { type: 'select', runId: 'r', view: 'playground', prompts: ['/p'] },
    { type: 'prompts', prompts: [] },
  ]) assert.deepEqual(parseHostToWebview(message), message);

  refused(() => parseHostToWebview({ ...init, trusted: 'yes' }), /^host message init: "trusted" must be true or false/, 1);
  refused(() => parseHostToWebview({ ...init, runs: [{ ...run, status: 'paused' }] }), /"runs\[0\]\.status" must be one of queued, /, 1);
  refused(() => parseHostToWebview({ ...init, runs: [{ ...run, request: { ...run.request, steps: 0 } }] }), /"runs\[0\]\.request\.steps" must be at least 1/, 1);
  refused(() => parseHostToWebview({ ...init, setup: { ...init.setup, defaults: { colour: 'red' } } }), /"setup\.defaults\.colour" is not a known field/, 1);
  refused(() => parseHostToWebview({ type: 'started', id: 2 }), /"runId" is required/, 2);
  refused(() => parseHostToWebview({ type: 'tryResult', id: 5, results: [{ input: 'x' }] }), /"results\[0\]\.outputs" is required/, 5);
  refused(() => parseHostToWebview({ type: 'error', id: 7 }), /"message" is required/, 7);
  refused(() => parseHostToWebview({ type: 'native', status: { state: 'fine', summary: '' } }), /"status\.state" must be one of none, ready, outdated, damaged/);
  refused(() => parseHostToWebview({ type: 'history', runId: 'r', events: [{ ...step, step: '1' }] }), /"events\[0\]\.step" must be a number/);
  refused(() => parseHostToWebview({ type: 'select', view: 'charts' }), /"view" must be one of setup, progress, interpretation, playground/);
});

test('prompt design: the textPrompt request and its result pass; a malformed one is refused, named, with its id', () => {
  const asked = parseHostMessage({ type: 'textPrompt', id: 4, request, text: 'Is this review positive?', shots: 2 });
  assert.ok(asked.type === 'textPrompt');
  assert.deepEqual(asked.request, resolveRunSettings({ ...request }), 'the run\'s settings come completed with the defaults');
  refused(() => parseHostMessage({ type: 'textPrompt', id: 4, request, text: '', shots: 0 }), /^host message textPrompt: "text" must not be empty$/, 4);
  refused(() => parseHostMessage({ type: 'textPrompt', id: 4, request, text: 'q', shots: -1 }), /"shots" must be at least 0 \(got -1\)/, 4);
  refused(() => parseHostMessage({ type: 'textPrompt', id: 4, request: { ...request, steps: 'ten' }, text: 'q', shots: 0 }), /"request\.steps" must be a number/, 4);

  const result = { text: 'Is this review positive?', shots: 2, metric: 0.625, n: 8, exampleInput: 'Is this review positive? ... great film' };
  assert.deepEqual(parseWorkerMessage({ type: 'textPromptResult', id: 4, result }), { type: 'textPromptResult', id: 4, result });
  refused(() => parseWorkerMessage({ type: 'textPromptResult', id: 4, result: { ...result, metric: 'high' } }), /"result\.metric" must be a number/, 4);
  const { n: _n, ...noCount } = result;
  refused(() => parseWorkerMessage({ type: 'textPromptResult', id: 4, result: noCount }), /"result\.n"/, 4);
});
