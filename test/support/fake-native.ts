// Fake programs for the native backend tests, put first on PATH: `npm` (test/support/fake-npm.ts,
// run through tsx) and `nvidia-smi` (prints the GPUs it is given, or fails like a machine whose
// driver is broken). POSIX shell scripts: these tests run on Linux and macOS.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './shared';

export const FAKE_NPM_SCRIPT = join(REPO_ROOT, 'test', 'support', 'fake-npm.ts');

/** A single-quoted shell word. */
function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Writes `<dir>/npm` running the fake npm; returns its path. */
export function writeFakeNpm(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return script(join(dir, 'npm'), `exec "${join(REPO_ROOT, 'node_modules', '.bin', 'tsx')}" "${FAKE_NPM_SCRIPT}" "$@"`);
}

/** `<dir>/nvidia-smi` printing `csvLines` (name, memory MiB, driver) for the query the detection makes, or failing. */
export function writeFakeNvidiaSmi(dir: string, behaviour: { csvLines: string[] } | { fail: string }): string {
  mkdirSync(dir, { recursive: true });
  const body =
    'csvLines' in behaviour
      ? `case "$*" in *--query-gpu=name,memory.total,driver_version*) printf '%s\\n' ${behaviour.csvLines.map(shQuote).join(' ')};; *) echo "fake nvidia-smi";; esac`
      : `echo ${shQuote(behaviour.fail)}; exit 9`;
  return script(join(dir, 'nvidia-smi'), body);
}

/** PATH with `dir` first. */
export function pathWith(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  return `${dir}:${env.PATH ?? ''}`;
}
