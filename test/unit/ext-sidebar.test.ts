// The sidebar holds still while a run trains: progress redraws only the training run's row, at most
// once a second; a status change redraws its row and the queued rows at once; only runs added or
// removed redraw the Runs list. The Prompts list is redrawn only when prompt folders come or go: a
// run re-saving its best prompt (a folder swap, caught at any step) changes that prompt's row alone.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeBatcher, type Redraw, type Timers } from '../../src/extension/views/change-batcher';
import { PROGRESS_REDRAW_MS, RunRows } from '../../src/extension/views/run-rows';
import { diffPrompts, promptDirs, readPrompts } from '../../src/extension/prompts/catalog-scan';
import { readSavedPrompt, type SavedPrompt } from '../../src/extension/prompts/saved-prompt';
import { managerWithFakeWorkers } from '../support/fake-worker';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import type { TrainEvent } from '../../src/worker/protocol';

/** A clock the test advances: timers fire when it passes them. */
class FakeTimers implements Timers {
  private now = 0;
  private readonly due = new Map<number, { at: number; callback: () => void }>();
  private next = 1;
  set(callback: () => void, ms: number): unknown {
    const handle = this.next++;
    this.due.set(handle, { at: this.now + ms, callback });
    return handle;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [handle, t] of [...this.due].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.now) continue;
      this.due.delete(handle);
      t.callback();
    }
  }
}

test('the batcher redraws changed rows once per interval, all at once when urgent, and the whole tree only for list changes', () => {
  const timers = new FakeTimers();
  const redraws: Redraw<string>[] = [];
  const batch = new ChangeBatcher<string>((what) => redraws.push(what), 1000, timers);
  batch.rows(['a']);
  batch.rows(['a']);
  batch.rows(['b']);
  assert.deepEqual(redraws, [], 'progress waits for the interval');
  timers.advance(999);
  assert.deepEqual(redraws, []);
  timers.advance(1);
  assert.deepEqual(redraws, [['a', 'b']], 'one redraw of the rows that changed');
  batch.rows(['a']);
  batch.rows(['c'], true);
  assert.deepEqual(redraws.at(-1), ['a', 'c'], 'an urgent change takes what waits with it, now');
  timers.advance(5000);
  assert.equal(redraws.length, 2, 'nothing left to redraw');
  batch.rows(['a']);
  batch.list();
  assert.deepEqual(redraws.at(-1), undefined, 'a list change redraws the whole tree');
  assert.equal(redraws.length, 3);
  timers.advance(5000);
  assert.equal(redraws.length, 3);
  batch.rows(['a']);
  batch.dispose();
  timers.advance(5000);
  assert.equal(redraws.length, 3, 'nothing after dispose');
});

const request = (out: string) => resolveRunSettings({ model: '/m/tiny', train: '/d/train.jsonl', out, steps: 100 });
const step = (n: number): TrainEvent => ({ type: 'step', step: n, totalSteps: 100, epoch: 1, loss: 1, learningRate: 0.3, examplesPerSecond: 10, etaSeconds: 5, memoryMB: 100 });

test('a training run redraws only its own row, at most once a second; the whole Runs list only when runs come or go', () => {
  const timers = new FakeTimers();
  const { manager, workers } = managerWithFakeWorkers();
  const done = manager.create(request('/o/done'), 'done');
  workers[0]!.event({ type: 'done', status: 'completed', step: 1, promptDir: '/o/done/prompt', message: 'ok' });
  workers[0]!.exited(0);
  const redraws: Redraw<string>[] = [];
  const rows = new RunRows(manager, (what) => redraws.push(what), timers);
  manager.onDidChange.on((run) => rows.changed(run));
  manager.onDidRemove.on((id) => rows.removed(id));

  const a = manager.create(request('/o/a'), 'a');
  assert.deepEqual(redraws, [undefined, [a.id]], 'a new run: the list changed; it starts: its row');
  redraws.length = 0;
  for (let n = 1; n <= 50; n++) workers[1]!.event(step(n));
  assert.deepEqual(redraws, [], 'fifty steps within a second: no redraw yet');
  timers.advance(PROGRESS_REDRAW_MS);
  assert.deepEqual(redraws, [[a.id]], 'then one redraw, of the training run’s row only');

  const b = manager.create(request('/o/b'), 'b');
  const c = manager.create(request('/o/c'), 'c');
  redraws.length = 0;
  manager.stop(a.id);
  assert.deepEqual(redraws, [[a.id, b.id, c.id]], 'a status change: its row and the queued rows, at once');
  assert.ok(!(redraws as Redraw<string>[]).some((rows) => rows?.includes(done.id)), 'the finished run’s row is left alone');
  redraws.length = 0;
  manager.remove(done.id);
  assert.deepEqual(redraws, [undefined], 'a removed run: the list changed');
  rows.dispose();
});

const dir = mkdtempSync(join(tmpdir(), 'prompt-tuner-sidebar-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function savePrompt(folder: string, rank: number): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'prompt-tuner.json'),
    JSON.stringify({ baseModel: 'tiny-t5', promptLength: 20, labels: ['no', 'yes'], training: { bestStep: 10 }, metrics: [{ step: 10, rankAccuracy: rank }], nearest: [] }),
  );
}

test('a prompt re-saved by training changes its own row; caught mid-swap it keeps its entry; only new or deleted folders change the list', () => {
  const runs = join(dir, 'ws', '.prompts');
  const a = join(runs, 'keywords-1', 'prompt');
  const b = join(runs, 'keywords-2', 'prompt');
  savePrompt(a, 0.5);
  savePrompt(b, 0.75);
  const scan = (files: string[], before: SavedPrompt[]) => readPrompts(promptDirs(files), before);
  const first = scan([join(a, 'prompt-tuner.json'), join(b, 'prompt-tuner.json')], []);
  assert.deepEqual(first.map((p) => p.name), ['keywords-1', 'keywords-2']);
  assert.deepEqual(diffPrompts([], first), { folders: true });

  // The swap of atomic.ts: the new copy filled, the old folder moved aside, the new one not yet in.
  const parent = join(runs, 'keywords-1');
  const fresh = join(parent, '.prompt.4242-1700000000000-3.new');
  const old = join(parent, '.prompt.4242-1700000000000-2.old');
  savePrompt(fresh, 0.875);
  renameSync(a, old);
  const files = [join(fresh, 'prompt-tuner.json'), join(old, 'prompt-tuner.json'), join(b, 'prompt-tuner.json')];
  assert.deepEqual(promptDirs(files), [a, b], 'the copies stand for their folder');
  const midSwap = scan(files, first);
  assert.deepEqual(midSwap.map((p) => p.dir), [a, b], 'no hidden copy is listed, and the folder keeps its entry');
  assert.equal(diffPrompts(first, midSwap), undefined, 'nothing shown changed: no redraw at all');

  renameSync(fresh, a);
  rmSync(old, { recursive: true });
  const after = scan([join(a, 'prompt-tuner.json'), join(b, 'prompt-tuner.json')], midSwap);
  assert.deepEqual(diffPrompts(midSwap, after), { folders: false, changed: [a] }, 'the new metric: that row only');
  assert.equal(readSavedPrompt(a)?.metric?.value, 0.875);

  const nearestOnly = after.map((p) => (p.dir === b ? { ...p, nearest: [{ index: 0, nearest: [], norm: 1, vocabMeanNorm: 1, drift: 0 }] } : p)) as SavedPrompt[];
  assert.equal(diffPrompts(after, nearestOnly), undefined, 'the nearest-piece snapshot is not shown in the row');

  rmSync(b, { recursive: true });
  const deleted = scan([join(a, 'prompt-tuner.json')], after);
  assert.deepEqual(diffPrompts(after, deleted), { folders: true }, 'a deleted prompt changes the list');
  const c = join(runs, 'keywords-3', 'prompt');
  savePrompt(c, 0.5);
  assert.deepEqual(diffPrompts(deleted, scan([join(a, 'prompt-tuner.json'), join(c, 'prompt-tuner.json')], deleted)), { folders: true }, 'so does a new one');
});
