// Requests and their answers across both boundaries: a panel request's reply settles that request
// and no other (a reply of the wrong kind or an error rejects it); the host answers every request
// exactly once, errors included, naming the form field at fault; the worker's final message is
// delivered before its process exits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaError } from '../../src/core/schema';
import { answerRequest, type RequestHandlers } from '../../src/extension/panel/requests';
import { ChoiceError } from '../../src/extension/setup/run-request';
import { Outbox } from '../../src/worker/outbox';
import { parseWorkerMessage, type WorkerToHost } from '../../src/worker/protocol';
import { RequestClient, RequestError } from '../../webview/requests';
import type { WebviewToHost } from '../../webview/protocol';
import { REPO_ROOT } from '../support/shared';

const dir = mkdtempSync(join(tmpdir(), 'pt-requests-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('panel: each request gets an id; its reply settles it, whatever the order; a wrong reply or an error rejects it', async () => {
  const sent: WebviewToHost[] = [];
  const client = new RequestClient((m) => sent.push(m));
  const browse = client.send({ type: 'browse', field: 'model' });
  const fields = client.send({ type: 'datasetFields', train: '/d.jsonl' });
  const start = client.send({ type: 'start', form: { steps: '0' } });
  const stop = client.send({ type: 'stop', runId: 'r' });
  assert.deepEqual(sent.map((m) => [m.type, m.id]), [['browse', 1], ['datasetFields', 2], ['start', 3], ['stop', 4]]);

  assert.equal(client.settle({ type: 'datasetFields', id: 2, fields: { train: '/d.jsonl', fields: ['text'] } }), true);
  assert.equal(client.settle({ type: 'browsed', id: 1, value: '/models/tiny' }), true);
  assert.deepEqual(await fields, { type: 'datasetFields', id: 2, fields: { train: '/d.jsonl', fields: ['text'] } });
  assert.equal((await browse).value, '/models/tiny', 'the browse reply goes to the browse request, though it came second');

  client.settle({ type: 'error', id: 3, message: 'Steps must be at least 1 (got 0)', field: 'steps' });
  await assert.rejects(start, (err: Error) => err instanceof RequestError && err.field === 'steps' && /Steps must be at least 1/.test(err.message));
  client.settle({ type: 'browsed', id: 4 });
  await assert.rejects(stop, /The host answered "stop" with "browsed"/);

  assert.equal(client.settle({ type: 'prompts', prompts: [] }), false, 'a push answers no request');
  assert.equal(client.settle({ type: 'done', id: 99 }), true, 'a stale reply is taken and dropped');
});

test('host: every request is answered once with its id; failures become errors naming the field', async () => {
  const handlers: RequestHandlers = {
    ready: () => {
      throw new Error('the workspace could not be searched');
    },
    start: ({ form }) => {
      if (form.steps === '0') throw new SchemaError('Steps must be at least 1 (got 0)', ['steps']);
      if (form.train === '/missing') throw new ChoiceError('The training file /missing does not exist.', 'train');
      return { runId: 'run-1' };
    },
    startSweep: () => ({}),
    selectRun: () => ({}),
    stop: () => ({}),
    resume: ({ runId }) => {
      throw new Error(`No run ${runId}.`);
    },
    browse: async () => ({}),
    datasetFields: ({ train }) => ({ fields: { train, fields: ['text', 'label'] } }),
    try: async () => ({ results: [] }),
    setUpNative: () => ({}),
  };
  const logged: string[] = [];
  const answer = (raw: unknown) => answerRequest(raw, handlers, (line) => logged.push(line));

  assert.deepEqual(await answer({ type: 'start', id: 1, form: { train: '/d.jsonl' } }), { type: 'started', id: 1, runId: 'run-1' });
  assert.deepEqual(await answer({ type: 'stop', id: 2, runId: 'r' }), { type: 'done', id: 2 });
  assert.deepEqual(await answer({ type: 'browse', id: 3, field: 'train' }), { type: 'browsed', id: 3 });
  assert.deepEqual(await answer({ type: 'datasetFields', id: 4, train: '/d.jsonl' }), { type: 'datasetFields', id: 4, fields: { train: '/d.jsonl', fields: ['text', 'label'] } });
  assert.deepEqual(await answer({ type: 'try', id: 5, input: 'x', prompts: [], ensemble: false }), { type: 'tryResult', id: 5, results: [] });
  // The panel shows these instead of a blank view or an unhandled rejection.
  assert.deepEqual(await answer({ type: 'ready', id: 6 }), { type: 'error', id: 6, message: 'the workspace could not be searched' });
  assert.deepEqual(await answer({ type: 'resume', id: 7, runId: 'gone' }), { type: 'error', id: 7, message: 'No run gone.' });
  assert.deepEqual(await answer({ type: 'start', id: 8, form: { steps: '0' } }), { type: 'error', id: 8, message: 'Steps must be at least 1 (got 0)', field: 'steps' });
  assert.deepEqual(await answer({ type: 'start', id: 9, form: { train: '/missing' } }), { type: 'error', id: 9, message: 'The training file /missing does not exist.', field: 'train' });
  // Malformed: answered when its id can be read, else logged.
  const malformed = await answer({ type: 'browse', id: 10, field: 'home' });
  assert.ok(malformed?.type === 'error' && malformed.id === 10 && /"field" must be one of model, train/.test(malformed.message));
  assert.equal(await answer({ type: 'browse', field: 'home' }), undefined);
  assert.deepEqual(logged, ['panel: ignored a malformed message: panel message browse: "id" is required; "field" must be one of model, train, hubDataset (got "home")']);
});

test('worker: the outbox resolves flush only once every message sent is delivered', async () => {
  const deliveries: (() => void)[] = [];
  const delivered: string[] = [];
  const outbox = new Outbox((message, done) => {
    deliveries.push(() => {
      delivered.push(message.type === 'event' ? message.event.type : message.type);
      done();
    });
    return true;
  });
  void outbox.send({ type: 'event', id: 1, event: { type: 'log', level: 'info', message: 'last step' } });
  void outbox.send({ type: 'event', id: 1, event: { type: 'done', status: 'completed', step: 1, promptDir: '/p', message: 'Done' } });
  let flushed = false;
  const flushing = outbox.flush().then(() => (flushed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(flushed, false, 'not before the messages left');
  deliveries.forEach((deliver) => deliver());
  await flushing;
  assert.deepEqual(delivered, ['log', 'done']);
  const closed = new Outbox(() => false);
  await closed.send({ type: 'error', message: 'no channel' });
  await closed.flush();
});

test('worker: a run that fails answers its start request, and the answer arrives before the process exits', { timeout: 120_000 }, async () => {
  const child = fork(join(REPO_ROOT, 'src', 'worker', 'worker.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, PROMPT_TUNER_BACKEND: 'cpu' }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const order: string[] = [];
  const messages: WorkerToHost[] = [];
  child.on('message', (raw: unknown) => {
    const message = parseWorkerMessage(raw);
    messages.push(message);
    order.push(message.type);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    order.push('exit');
    resolve(code);
  }));
  // Malformed: answered with its id; the worker goes on.
  child.send({ type: 'start', id: 4, request: { model: join(dir, 'none'), train: join(dir, 'none.jsonl'), out: join(dir, 'run'), steps: 0 } });
  child.send({ type: 'start', id: 5, request: { model: join(dir, 'none'), train: join(dir, 'none.jsonl'), out: join(dir, 'run') } });
  assert.equal(await exited, 1);
  assert.deepEqual(order, ['error', 'error', 'exit']);
  const [malformed, failed] = messages;
  assert.ok(malformed?.type === 'error' && malformed.id === 4 && /"request\.steps" must be at least 1/.test(malformed.message), JSON.stringify(malformed));
  assert.ok(failed?.type === 'error' && failed.id === 5 && failed.message.includes(join(dir, 'none')), JSON.stringify(failed));
});
