// Runs test files with Node's test runner (through tsx) and fails when a file registers no test: a
// suite whose tests all vanished (a loop over an empty fixture list, a missing import) would
// otherwise pass. Node reports such a file as one passing test named by its path.
// Usage: node scripts/run-tests.mjs <test files...>   (extra node --test flags before the files)
// Two files run at once even on 2 cores (node's default there is one): most files wait on child
// processes or run a single-threaded backend, and the suites take ~40% less time so.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
if (!args.some((a) => a.startsWith('--test-concurrency'))) args.unshift(`--test-concurrency=${Math.max(2, availableParallelism() - 1)}`);
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('run-tests: no test files given.');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'pt-tests-'));
const tap = join(work, 'report.tap');
try {
  const reporter = process.stdout.isTTY ? 'spec' : 'tap';
  const r = spawnSync('npx', ['tsx', '--test', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...args], { stdio: 'inherit' });
  const report = readFileSync(tap, 'utf8');
  const empty = files.filter((f) => report.includes(`# Subtest: ${resolve(f)}\n`));
  if (empty.length > 0) {
    console.error(`\nrun-tests: ${empty.length} test file(s) registered no test: ${empty.join(', ')}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
