// From the files a workspace search finds to the prompts the catalog lists, and what changed since
// the last scan. A prompt folder being re-saved (training saves its best prompt at evaluations) is
// swapped in steps (src/core/io/atomic.ts): for a moment only its hidden copies .<name>.<id>.tmp,
// .new and .old exist. Those copies stand for their folder, which keeps its entry meanwhile, so a
// save never makes a prompt leave and come back (a whole-list redraw of the Prompts view).
// No vscode import: unit-tested directly.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readSavedPrompt, type SavedPrompt } from './saved-prompt';

/** The naming atomic.ts gives a folder's copies during a swap: .<name>.<pid>-<time>-<seq>.<kind>. */
const SWAP_COPY = /^\.(.+)\.\d+-\d+-\d+\.(?:tmp|new|old)$/;

/** The folder a swap copy stands for, or the folder itself. */
function folderOf(dir: string): string {
  const copy = SWAP_COPY.exec(basename(dir));
  return copy ? join(dirname(dir), copy[1]!) : dir;
}

/** The prompt folders the found metadata files (prompt-tuner.json, adapter_config.json) belong to, sorted. */
export function promptDirs(files: readonly string[]): string[] {
  return [...new Set(files.map((f) => folderOf(dirname(f))))].sort();
}

/**
 * Reads each folder. One that is not there came from a swap copy: caught between "moved aside" and
 * "moved in", it keeps its previous entry.
 */
export function readPrompts(dirs: readonly string[], previous: readonly SavedPrompt[]): SavedPrompt[] {
  const before = new Map(previous.map((p) => [p.dir, p]));
  return dirs.flatMap((dir) => {
    const saved = readSavedPrompt(dir) ?? (existsSync(dir) ? undefined : before.get(dir));
    return saved ? [saved] : [];
  });
}

/** How the list changed: folders came or went (the whole list), or only these folders' details. */
export type CatalogChange = { folders: true } | { folders: false; changed: string[] };

/** What the sidebar shows of a prompt: everything but the nearest-piece snapshot (the hover's). */
function shown({ nearest: _nearest, ...rest }: SavedPrompt): string {
  return JSON.stringify(rest);
}

/** undefined when nothing shown changed. */
export function diffPrompts(before: readonly SavedPrompt[], after: readonly SavedPrompt[]): CatalogChange | undefined {
  const old = new Map(before.map((p) => [p.dir, p]));
  if (before.length !== after.length || after.some((p) => !old.has(p.dir))) return { folders: true };
  const changed = after.filter((p) => shown(p) !== shown(old.get(p.dir)!)).map((p) => p.dir);
  return changed.length > 0 ? { folders: false, changed } : undefined;
}
