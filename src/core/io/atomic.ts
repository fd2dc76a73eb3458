// Every file a user makes is written to a temporary sibling and renamed over the target, so a crash
// or a full disk never leaves a half-written prompt, checkpoint or config behind. A folder
// (checkpoint/, prompt/) cannot be renamed over another, so it is swapped in steps that a crash at
// any point leaves recoverable, and the next reader or writer recovers (recoverDir):
//   .<name>.<id>.tmp   being filled: never trusted, removed once its writer is gone
//   .<name>.<id>.new   complete (renamed from .tmp after its files were synced)
//   .<name>.<id>.old   the previous folder, moved aside for the swap, removed after it
// Between "previous moved aside" and "new moved in" there is no <name>: recovery then moves the
// newest complete .new in (or, without one, puts the .old back), so the newest complete copy wins
// and nothing is lost. Write errors become sentences naming the folder and what to do.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A folder or file that could not be written; the message names it and says what to do. */
export class WriteError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

/**
 * Words for a failed write of `target` (a file or folder) in `folder`. A WriteError about a temporary
 * file inside `target` is re-worded about `target`: users know their folders, not our temp names.
 */
function describeWriteError(err: unknown, target: string, folder = dirname(target)): WriteError {
  if (err instanceof WriteError && (err.path === target || !err.code)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const say = (what: string) => new WriteError(target, `Cannot write ${target}: ${what}`, code);
  switch (code) {
    case 'ENOSPC':
      return say(`the disk holding ${folder} is full. Free some space (or choose an output folder on another disk) and run again; what was there before is unchanged.`);
    case 'EDQUOT':
      return say(`your disk quota for ${folder} is used up. Free some space (or choose another output folder) and run again; what was there before is unchanged.`);
    case 'EROFS':
      return say(`${folder} is on a read-only file system. Choose an output folder you can write to.`);
    case 'EACCES':
    case 'EPERM':
      return say(`permission denied in ${folder}. Choose an output folder you can write to, or change its permissions.`);
    case 'ENOTDIR':
    case 'EEXIST':
      return say(`a part of ${folder} is a file, not a folder. Choose another output folder.`);
    case 'ENAMETOOLONG':
      return say('the path is too long. Choose a shorter output folder.');
    default:
      return say(`${(err as Error).message}.`);
  }
}

/** A file-system error (it has an errno code) in words; any other error as it is. */
function worded(err: unknown, target: string): unknown {
  return (err as NodeJS.ErrnoException | undefined)?.code ? describeWriteError(err, target) : err;
}

/** Runs a write; its file-system errors become a WriteError about `target`. */
function writing<T>(target: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw worded(err, target);
  }
}

/** Makes a folder's entries (a rename into it) durable; a no-op where folders cannot be synced (Windows). */
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort: the rename itself is atomic either way
  }
}

let sequence = 0;
/** Unique among processes and calls: the pid tells recovery whether the writer is still alive. */
function uniqueId(): string {
  return `${process.pid}-${Date.now()}-${sequence++}`;
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  writing(path, () => mkdirSync(dir, { recursive: true }));
  const tmp = join(dir, `.${basename(path)}.${uniqueId()}.tmp`);
  writing(path, () => {
    try {
      const fd = openSync(tmp, 'w');
      try {
        writeFileSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (err) {
      removeQuietly(tmp);
      throw err;
    }
  });
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The steps of a folder swap, for fault-injection tests: a crash after any of them loses nothing. */
export type SwapStep = 'filled' | 'ready' | 'previous-moved-aside' | 'new-moved-in' | 'done';

export interface WriteDirOptions {
  /** Called after each step (tests crash the process here). */
  afterStep?: (step: SwapStep) => void;
}

interface Leftover {
  path: string;
  kind: 'tmp' | 'new' | 'old';
  pid: number;
  /** Date.now() and sequence at creation: orders copies of one folder. */
  order: [number, number];
}

/** The swap's leftovers of folder `name` in `parent`. */
function leftovers(parent: string, name: string): Leftover[] {
  const prefix = `.${name}.`;
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return [];
  }
  return entries.flatMap((entry): Leftover[] => {
    if (!entry.startsWith(prefix)) return [];
    const m = /^(\d+)-(\d+)-(\d+)\.(tmp|new|old)$/.exec(entry.slice(prefix.length));
    if (!m) return [];
    return [{ path: join(parent, entry), kind: m[4] as Leftover['kind'], pid: Number(m[1]), order: [Number(m[2]), Number(m[3])] }];
  });
}

const newestFirst = (a: Leftover, b: Leftover) => b.order[0] - a.order[0] || b.order[1] - a.order[1];

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Finishes or undoes a folder swap that a crash interrupted, so the newest complete copy is `dir`:
 * when `dir` is missing, the newest .new (else the newest .old) moves in; when a writer died with
 * its .new complete but not yet swapped in, that newer copy is swapped in. Readers and writers
 * call it first. Returns true when it changed `dir`.
 */
export function recoverDir(dir: string): boolean {
  const found = leftovers(dirname(dir), basename(dir));
  const newest = (kind: Leftover['kind'], dead = false) => found.filter((l) => l.kind === kind && (!dead || !alive(l.pid))).sort(newestFirst)[0];
  try {
    if (!existsSync(dir)) {
      const best = newest('new') ?? newest('old');
      if (!best) return false;
      renameSync(best.path, dir);
    } else {
      const orphan = newest('new', true);
      if (!orphan) return false;
      const aside = join(dirname(dir), `.${basename(dir)}.${uniqueId()}.old`);
      renameSync(dir, aside);
      try {
        renameSync(orphan.path, dir);
      } catch (err) {
        renameSync(aside, dir);
        throw err;
      }
      removeQuietly(aside);
    }
  } catch (err) {
    if (existsSync(dir) && (err as NodeJS.ErrnoException).code === 'ENOENT') return false; // another process recovered it first
    throw worded(err, dir);
  }
  syncFolder(dirname(dir));
  return true;
}

/** Removes a folder if it can; one that cannot be removed now is removed by a later write. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // best effort: leftovers are recognised by name and never read
  }
}

/**
 * After recovery: removes what failed or dead writers left (partial fills, copies older than `dir`).
 * Another live process's fill or swap is left alone; this process's own are over (writes are synchronous).
 */
function removeLeftovers(dir: string): void {
  for (const l of leftovers(dirname(dir), basename(dir))) {
    if (l.pid === process.pid || !alive(l.pid)) removeQuietly(l.path);
  }
}

/**
 * Replaces a whole folder: `fill` writes the new content into a temporary sibling, which is swapped
 * in only when complete (see the header for the steps and how a crash between them is recovered).
 */
export function writeDirAtomic(dir: string, fill: (tmpDir: string) => void, opts: WriteDirOptions = {}): void {
  const parent = dirname(dir);
  const name = basename(dir);
  const step = opts.afterStep ?? (() => undefined);
  writing(dir, () => mkdirSync(parent, { recursive: true }));
  recoverDir(dir);
  removeLeftovers(dir);
  const id = uniqueId();
  const tmp = join(parent, `.${name}.${id}.tmp`);
  const ready = join(parent, `.${name}.${id}.new`);
  const old = join(parent, `.${name}.${id}.old`);
  writing(dir, () => mkdirSync(tmp));
  try {
    fill(tmp);
    syncFolder(tmp);
  } catch (err) {
    removeQuietly(tmp);
    throw worded(err, dir);
  }
  step('filled');
  writing(dir, () => renameSync(tmp, ready));
  syncFolder(parent);
  step('ready');
  const hadPrevious = existsSync(dir);
  if (hadPrevious) writing(dir, () => renameSync(dir, old));
  step('previous-moved-aside');
  try {
    renameSync(ready, dir);
  } catch (err) {
    // A reader's recovery may have moved our complete copy in already; else put the previous folder back.
    const movedIn = (err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(dir) && !existsSync(ready);
    if (!movedIn) {
      if (hadPrevious && !existsSync(dir)) renameSync(old, dir);
      throw worded(err, dir);
    }
  }
  syncFolder(parent);
  step('new-moved-in');
  if (hadPrevious) removeQuietly(old); // the swap is complete
  step('done');
}

/**
 * Checks that `dir` can be written (creating it if needed) by writing and removing a small file:
 * a run checks its output folder before it spends minutes loading a model.
 */
export function checkWritableFolder(dir: string): void {
  writing(dir, () => mkdirSync(dir, { recursive: true }));
  const probe = join(dir, `.write-check.${uniqueId()}`);
  try {
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'prompt-tuner write check\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw describeWriteError(err, dir, dir);
  } finally {
    rmSync(probe, { force: true });
  }
}
