// Workspace trust holds from every entry point: in an untrusted workspace no run is queued or resumed
// and no prompt-worker request is sent, whether a command, the sidebar, a notification's button or the
// panel asked (the panel's Resume button went straight to the run manager and resumed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managerWithFakeWorkers, FakeWorker } from '../support/fake-worker';
import { WorkerService } from '../../src/extension/runs/worker-service';
import { panelHandlers, type PanelActions } from '../../src/extension/panel/handlers';
import { answerRequest } from '../../src/extension/panel/requests';
import { trustCheck, UntrustedWorkspaceError } from '../../src/extension/trust';
import { resolveRunSettings } from '../../src/core/settings/run-settings';

const request = (out: string) => resolveRunSettings({ model: '/w/models/tiny', train: '/w/k.jsonl', out, steps: 100 });

function untrustable() {
  let trusted = true;
  const { manager, workers } = managerWithFakeWorkers(undefined, trustCheck(() => trusted));
  return { manager, workers, distrust: () => (trusted = false) };
}

test('the run manager queues and resumes nothing in an untrusted workspace', () => {
  const { manager, workers, distrust } = untrustable();
  const a = manager.create(request('/w/.prompts/a'), 'a');
  workers[0]!.event({ type: 'done', status: 'stopped', step: 10, promptDir: '/w/.prompts/a/prompt', message: 'stopped' });
  workers[0]!.exited(0);
  distrust();
  assert.throws(() => manager.create(request('/w/.prompts/b'), 'b'), (err) => err instanceof UntrustedWorkspaceError && /^Training needs a trusted workspace/.test(err.message));
  assert.throws(() => manager.resume(a.id), /^UntrustedWorkspaceError: Resuming training needs a trusted workspace/);
  assert.equal(manager.list().length, 1, 'nothing queued');
  assert.equal(manager.get(a.id)?.status, 'stopped');
  assert.equal(workers.length, 1, 'no worker started');
});

test('the panel’s Resume button is refused in an untrusted workspace, with the reason as its reply', async () => {
  const { manager, workers, distrust } = untrustable();
  const a = manager.create(request('/w/.prompts/a'), 'a');
  manager.stop(a.id);
  workers[0]!.event({ type: 'done', status: 'stopped', step: 10, promptDir: '/w/.prompts/a/prompt', message: 'stopped' });
  workers[0]!.exited(0);
  distrust();
  const handlers = panelHandlers({
    runs: manager,
    actions: { log: () => undefined } as unknown as PanelActions,
    isTrusted: () => false,
    selectedRunId: () => a.id,
    pendingView: () => undefined,
    showRun: () => undefined,
    showSweep: () => undefined,
  });
  const reply = await answerRequest({ type: 'resume', id: 7, runId: a.id }, handlers, () => undefined);
  assert.equal(reply?.type, 'error');
  assert.equal(reply?.id, 7);
  assert.match(reply?.type === 'error' ? reply.message : '', /^Resuming training needs a trusted workspace: it runs a model on files from this folder/);
  assert.equal(manager.get(a.id)?.status, 'stopped');
  assert.equal(workers.length, 1, 'no worker started');
});

test('the prompt worker takes no request in an untrusted workspace: try, inspect, export and import fail saying why', async () => {
  const launched: FakeWorker[] = [];
  const service = new WorkerService(
    () => {
      const w = new FakeWorker();
      launched.push(w);
      return w;
    },
    () => undefined,
    trustCheck(() => false),
  );
  await assert.rejects(service.try({ model: '/w/models/tiny', prompts: ['/w/p'], ensemble: false, inputs: ['x'] }), /^UntrustedWorkspaceError: Trying a prompt needs a trusted workspace/);
  await assert.rejects(service.inspect({ model: '/w/models/tiny', prompt: '/w/p', top: 10 }), /Inspecting a prompt with its model needs a trusted workspace/);
  await assert.rejects(service.exportNpy('/w/p', '/w/p.npy'), /Exporting a prompt needs a trusted workspace/);
  await assert.rejects(service.importPeft({ adapter: '/w/job/output/prompt', model: '/w/models/tiny', out: '/w/.prompts/imported/job-1' }), /Importing a PEFT prompt needs a trusted workspace/);
  assert.equal(launched.length, 0, 'no worker process started');
});
