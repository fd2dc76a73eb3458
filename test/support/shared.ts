// Locates ../shared (reference fixtures made with HF transformers/PEFT). It is always present in CI;
// in a user's clone it may be absent, and then the fixture tests skip with a clear message.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const SHARED_PRESENT = existsSync(join(SHARED_DIR, 'fixtures'));
export const SKIP_NO_SHARED = SHARED_PRESENT
  ? false
  : `../shared is absent (${SHARED_DIR}): reference fixtures are only in the project's CI and dev checkouts`;

if (!SHARED_PRESENT && process.env.CI === 'true') {
  throw new Error(`CI=true but ${SHARED_DIR} is missing: the fixture tests must run in CI.`);
}

/** Colon-separated absolute paths from an environment variable (empty entries ignored). */
export function envPaths(name: string): string[] {
  return (process.env[name] ?? '').split(':').filter((p) => p.length > 0);
}
