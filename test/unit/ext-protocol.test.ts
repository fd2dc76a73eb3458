// The two process boundaries of the extension: host <-> worker and host <-> panel. Well-formed
// messages pass through; malformed ones are rejected with the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostMessage, parseWorkerMessage, ProtocolError } from '../../src/worker/protocol';
import { parseWebviewMessage, WebviewMessageError, type SetupForm } from '../../webview/protocol';

test('host -> worker: start, stop, try, inspect and exportNpy pass; bad fields are named', () => {
  const start = { type: 'start', request: { model: '/m', train: '/d.jsonl', out: '/o', steps: 10, labels: ['a', 'b'], optimizer: 'adam' } };
  assert.deepEqual(parseHostMessage(start), start);
  assert.deepEqual(parseHostMessage({ type: 'stop' }), { type: 'stop' });
  const tryMsg = { type: 'try', id: 3, request: { model: '/m', prompts: ['/p'], ensemble: false, inputs: ['x'] } };
  assert.deepEqual(parseHostMessage(tryMsg), tryMsg);
  assert.deepEqual(parseHostMessage({ type: 'inspect', id: 1, request: { model: '/m', prompt: '/p', top: 10 } }).type, 'inspect');
  assert.deepEqual(parseHostMessage({ type: 'exportNpy', id: 2, prompt: '/p', out: '/x.npy' }), { type: 'exportNpy', id: 2, prompt: '/p', out: '/x.npy' });

  assert.throws(() => parseHostMessage({ type: 'start', request: { model: '/m', out: '/o' } }), /"train" must be a string/);
  assert.throws(() => parseHostMessage({ type: 'start', request: { model: '/m', train: '/d', out: '/o', steps: 'ten' } }), /"steps" must be a finite number/);
  assert.throws(() => parseHostMessage({ type: 'start', request: { model: '/m', train: '/d', out: '/o', optimizer: 'sgd' } }), /"optimizer" must be adafactor or adam/);
  assert.throws(() => parseHostMessage({ type: 'try', id: 1, request: { model: '/m', prompts: [1], ensemble: false, inputs: [] } }), /"prompts" must be an array of strings/);
  assert.throws(() => parseHostMessage({ type: 'launch' }), ProtocolError);
  assert.throws(() => parseHostMessage(null), /expected an object/);
});

test('worker -> host: events and replies pass; malformed ones are rejected', () => {
  const step = { type: 'event', event: { type: 'step', step: 1, totalSteps: 10, epoch: 1, loss: 2, learningRate: 0.3, examplesPerSecond: 5, etaSeconds: 9, memoryMB: 10 } };
  assert.deepEqual(parseWorkerMessage(step), step);
  assert.deepEqual(parseWorkerMessage({ type: 'error', message: 'boom', id: 4 }), { type: 'error', message: 'boom', id: 4 });
  assert.deepEqual(parseWorkerMessage({ type: 'exported', id: 1, path: '/x.npy' }), { type: 'exported', id: 1, path: '/x.npy' });
  assert.throws(() => parseWorkerMessage({ type: 'event', event: { type: 'step', step: 1, totalSteps: 10, loss: 'NaN' } }), /"loss" must be a finite number/);
  assert.throws(() => parseWorkerMessage({ type: 'event', event: { type: 'progress' } }), /unknown type "progress"/);
  assert.throws(() => parseWorkerMessage({ type: 'event', event: { type: 'eval', step: 3 } }), /"insights" must be an array/);
  assert.throws(() => parseWorkerMessage({ type: 'event', event: { type: 'done', status: 'completed' } }), /"promptDir" must be a string/);
  assert.throws(() => parseWorkerMessage({ type: 'tryResult', id: 1, results: {} }), /"results" must be an array/);
});

const form: SetupForm = {
  model: '/m', train: 'data/train.jsonl', inputField: '', targetField: '', template: '', labels: 'no, yes',
  promptLength: 20, init: 'class-labels', optimizer: 'adafactor', lr: '', batchSize: 8, steps: 100, backend: 'auto',
};

test('panel -> host: every message type passes; bad input is rejected with the field named', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'start', form }), { type: 'start', form });
  assert.deepEqual(parseWebviewMessage({ type: 'stop', runId: 'r' }), { type: 'stop', runId: 'r' });
  assert.deepEqual(parseWebviewMessage({ type: 'browse', field: 'train' }), { type: 'browse', field: 'train' });
  assert.deepEqual(parseWebviewMessage({ type: 'try', requestId: 1, input: 'hi', prompts: ['/p'], ensemble: true }), { type: 'try', requestId: 1, input: 'hi', prompts: ['/p'], ensemble: true });

  assert.throws(() => parseWebviewMessage({ type: 'start', form: { ...form, promptLength: 0 } }), /"promptLength" must be an integer >= 1/);
  assert.throws(() => parseWebviewMessage({ type: 'start', form: { ...form, steps: 2.5 } }), /"steps"/);
  assert.throws(() => parseWebviewMessage({ type: 'start', form: { ...form, optimizer: 'sgd' } }), /"optimizer"/);
  assert.throws(() => parseWebviewMessage({ type: 'start', form: { ...form, model: 3 } }), /"model" must be a string/);
  assert.throws(() => parseWebviewMessage({ type: 'try', requestId: 1, input: '  ', prompts: [], ensemble: false }), /"input" is empty/);
  assert.throws(() => parseWebviewMessage({ type: 'browse', field: 'home' }), /"field" must be model or train/);
  assert.throws(() => parseWebviewMessage({ type: 'eval', code: 'x' }), WebviewMessageError);
});
