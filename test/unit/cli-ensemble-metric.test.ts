// prompt-tune eval --ensemble reports the run's metric for the vote as plain eval does for one prompt:
// an ensemble of one prompt twice votes that prompt's ranked label, so its score, macro-F1 and text
// line must be plain eval's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PROMPT_TUNER_BACKEND: process.env.PROMPT_TUNER_BACKEND ?? 'wasm' },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}
const lastJson = <T>(stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;

const dir = mkdtempSync(join(tmpdir(), 'pt-cli-ensemble-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('eval --ensemble gives the vote\'s metric (CB\'s mean of accuracy and macro-F1) beside accuracy, in JSON and text', { skip: SKIP_NO_SHARED }, () => {
  const data = join(dir, 'cb.jsonl');
  const labels = ['yes', 'no', 'maybe'];
  writeFileSync(data, Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: `item ${i} ${['apple', 'pear', 'plum'][i % 3]}`, label: labels[i % 3] })).join('\n'));
  const run = join(dir, 'run');
  cli(['train', '--model', tinyModelDir(), '--train', data, '--out', run, '--steps', '2', '--eval-every', '2', '--batch-size', '4', '--prompt-length', '2', '--metric', 'acc-macro-f1', '--json']);
  const prompt = join(run, 'prompt');
  const evalArgs = ['eval', '--model', tinyModelDir(), '--data', data, '--metric', 'acc-macro-f1'];
  type Scored = { metric: string; score: number; accuracy: number; macroF1: number };
  const alone = lastJson<Scored & { rankAccuracy: number }>(cli([...evalArgs, '--prompt', prompt, '--json']));
  const vote = lastJson<Scored & { vote: string }>(cli([...evalArgs, '--ensemble', `${prompt},${prompt}`, '--json']));
  assert.equal(vote.vote, 'label');
  assert.deepEqual([vote.metric, vote.score, vote.macroF1, vote.accuracy], [alone.metric, alone.score, alone.macroF1, alone.rankAccuracy]);
  assert.equal(vote.score, (vote.accuracy + vote.macroF1) / 2);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  assert.match(cli([...evalArgs, '--ensemble', `${prompt},${prompt}`]), new RegExp(`^ensemble of 2 \\(vote on rank-classified labels\\): acc-macro-f1 ${pct(vote.score)}, macro-F1 ${pct(vote.macroF1)}, rank accuracy ${pct(vote.accuracy)} on 12 examples`, 'm'));
});
