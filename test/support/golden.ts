// Reading the golden fixtures (cases.json / extra.json) made with HF transformers and PEFT.
import { test } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DIR, SHARED_PRESENT, SKIP_NO_SHARED, envPaths } from './shared';

export interface FixtureTensor {
  dtype: string;
  shape: number[];
  data: unknown[];
}

/** Every golden folder: ../shared/fixtures/t5-golden/* plus T5_GOLDEN_DIRS (which must exist). */
export function goldenDirs(): string[] {
  const base = join(SHARED_DIR, 'fixtures', 't5-golden');
  const shared = SHARED_PRESENT && existsSync(base)
    ? readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(base, e.name))
    : [];
  const named = envPaths('T5_GOLDEN_DIRS');
  for (const dir of named) {
    if (!existsSync(join(dir, 'cases.json'))) throw new Error(`T5_GOLDEN_DIRS names ${dir}, which has no cases.json: give t5-golden fixture folders.`);
  }
  return [...shared, ...named];
}

/**
 * Registers `register(dir)`'s tests for every golden fixture; with none at all (../shared absent and
 * T5_GOLDEN_DIRS unset: a user's clone) one skipped test says why, so the file never passes empty.
 */
export function forEachGoldenDir(register: (dir: string) => void): void {
  const dirs = goldenDirs();
  if (dirs.length === 0) test('golden fixtures', { skip: SKIP_NO_SHARED || 'no golden fixtures (set T5_GOLDEN_DIRS)' }, () => {});
  dirs.forEach(register);
}

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function flat(t: FixtureTensor): number[] {
  return (t.data as unknown[]).flat(Infinity as 1) as number[];
}

export function rows(t: FixtureTensor): number[][] {
  return t.data as number[][];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}
