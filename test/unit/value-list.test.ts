// Lists of values after a flag (prompt-tune sweep --init a,b,..., Start Sweep's fields): a text init may hold commas when
// quoted or escaped, and a malformed list is a usage error naming the flag and what to write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { splitValueList, ValueListError } from '../../src/core/settings/value-list';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import { sweepAxesFromText, sweepCells, SweepGridError } from '../../src/core/sweep/sweep-grid';
import { REPO_ROOT } from '../support/shared';

test('commas split values except inside double quotes or written \\,; values are trimmed and keep their quotes', () => {
  assert.deepEqual(splitValueList('1, 5,20', '--prompt-length'), ['1', '5', '20']);
  assert.deepEqual(splitValueList('class-labels,text:"Is it positive, or negative?"', '--init'), ['class-labels', 'text:"Is it positive, or negative?"']);
  assert.deepEqual(splitValueList('text:a\\, b,random-uniform', '--init'), ['text:a, b', 'random-uniform']);
  assert.deepEqual(splitValueList('file:C:\\prompts\\a', '--init'), ['file:C:\\prompts\\a'], 'a backslash before anything but a comma stays');
});

test('a sweep\'s grid (the CLI\'s and Start Sweep\'s) takes a quoted text init with commas as one cell', () => {
  const base = resolveRunSettings({ model: 'm', train: 't.jsonl', out: 'o' });
  const { cells } = sweepCells(base, sweepAxesFromText({ init: 'sampled-vocab,text:"yes, no, maybe"' }), '/s');
  assert.deepEqual(cells.map((c) => c.settings.init), [{ kind: 'sampled-vocab' }, { kind: 'text', text: 'yes, no, maybe' }]);
  assert.throws(() => sweepAxesFromText({ init: 'text:"yes, no' }), (err: Error) => err instanceof SweepGridError && /^init: the double quote at character 6/.test(err.message));
});

test('an unclosed quote or an empty value is refused, naming the flag, the place and what to write', () => {
  assert.throws(() => splitValueList('class-labels,text:"yes, no', '--init'), (err: Error) => err instanceof ValueListError && /^--init: the double quote at character 19 of "class-labels,text:\\"yes, no" is never closed; close it, or separate values with single commas/.test(err.message));
  assert.throws(() => splitValueList('1,,5', '--prompt-length'), /--prompt-length: value 2 of "1,,5" is empty; .*inside double quotes \(text:"a, b"\) or is written \\,\.$/);
  assert.throws(() => splitValueList('1,5,', '--prompt-length'), /value 3 of "1,5," is empty/);
  // As prompt-tune sweep says it: a usage error (exit 2) before any model is opened.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), 'sweep', '--model', 'no-such-model', '--train', 't.jsonl', '--out', 'unused-sweep', '--init', 'random-uniform,text:"a, b'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--init: the double quote at character 21 of "random-uniform,text:\\"a, b" is never closed/);
});
