// The exported job's script: train-py.ts (what export-job writes) must be train.py as committed.
// The job itself runs against the peer in test/peer/peft-job.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('train-py.ts is built from train.py', () => {
  const r = spawnSync(process.execPath, ['scripts/build-peft-job.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
