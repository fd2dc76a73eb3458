// Opening the files users hand us (checkpoints, configs, tokenizers, prompts, data) with a known
// cost: only regular files (a link to /dev/zero or a named pipe would be read forever or block), no
// larger than the reader's stated limit, and files a folder names for itself (a shard index, the
// config of a model folder) only from inside that folder.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { FileFormatError, quote } from './errors';

/** The error each reader throws, so a caller sees one type per format. */
export type FileErrorClass = new (file: string, message: string) => FileFormatError;

/** What a limit protects, for the message: e.g. `a config.json`, `a data file`. */
export interface SizeLimit {
  maxBytes: number;
  /** The kind of file, with its article: "a config.json". */
  what: string;
  /** What to do about a file above the limit. */
  hint?: string;
}

export const KIB = 1024;
export const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** "1.5 GiB", "12 MiB", "800 bytes": sizes in messages. */
export function describeBytes(n: number): string {
  if (n >= GIB) return `${+(n / GIB).toFixed(1)} GiB`;
  if (n >= MIB) return `${+(n / MIB).toFixed(1)} MiB`;
  if (n >= KIB) return `${+(n / KIB).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  return 'a special file';
}

function statOrExplain(path: string, ErrorClass: FileErrorClass): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw new ErrorClass(path, `${path}: ${describeOpenError(err)}`);
  }
}

/** Words for an error of opening or reading a file. */
function describeOpenError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file (or a link to a file that does not exist).';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied; check the permissions of the file and its folders.';
  if (code === 'ELOOP') return 'a loop of symbolic links.';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder.';
  if (code === 'EISDIR') return 'a folder, not a file.';
  return `cannot be read (${(err as Error).message}).`;
}

/** Refuses anything that is not a regular file of at most `limit.maxBytes` (links are followed); returns its size. */
function checkRegularFile(path: string, limit: SizeLimit, ErrorClass: FileErrorClass): number {
  const s = statOrExplain(path, ErrorClass);
  return checkStats(path, s, limit, ErrorClass);
}

function checkStats(path: string, s: Stats, limit: SizeLimit, ErrorClass: FileErrorClass): number {
  if (!s.isFile()) throw new ErrorClass(path, `${path} is ${kindOf(s)}, not a regular file; ${limit.what} must be a regular file.`);
  if (s.size > limit.maxBytes) {
    throw new ErrorClass(
      path,
      `${path} is ${describeBytes(s.size)}, more than the ${describeBytes(limit.maxBytes)} ${limit.what} may have. ${limit.hint ?? 'Is this the right file?'}`,
    );
  }
  return s.size;
}

// O_NONBLOCK: should the file be swapped for a pipe between the check and the open, open() must not
// wait for a writer. It changes nothing for regular files.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Opens a checked regular file for reading; the caller closes `fd`. */
export function openRegularFile(path: string, limit: SizeLimit, ErrorClass: FileErrorClass): { fd: number; size: number } {
  checkRegularFile(path, limit, ErrorClass);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw new ErrorClass(path, `${path}: ${describeOpenError(err)}`);
  }
  try {
    return { fd, size: checkStats(path, fstatSync(fd), limit, ErrorClass) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The whole of a checked regular file. */
export function readRegularFile(path: string, limit: SizeLimit, ErrorClass: FileErrorClass): Buffer {
  const { fd, size } = openRegularFile(path, limit, ErrorClass);
  try {
    const buf = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, done);
      if (n === 0) throw new ErrorClass(path, `${path} became shorter while it was read (${done} of ${size} bytes); is another program writing it?`);
      done += n;
    }
    return buf;
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    throw new ErrorClass(path, `${path}: ${describeOpenError(err)}`);
  } finally {
    closeSync(fd);
  }
}

/** A checked regular file parsed as JSON; invalid JSON is an error naming the file. */
export function readJsonFile(path: string, limit: SizeLimit, ErrorClass: FileErrorClass): unknown {
  const text = readRegularFile(path, limit, ErrorClass).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ErrorClass(path, `${path}: not valid JSON (${(err as Error).message}).`);
  }
}

/**
 * The folders a file named by `folder` may really live in: the folder itself and, for a snapshot of
 * the Hugging Face cache (<repo>/snapshots/<commit>, whose files are links to ../../blobs/), that
 * repo's blobs folder.
 */
function allowedRoots(realFolder: string): string[] {
  const parent = dirname(realFolder);
  if (basename(parent) === 'snapshots' && basename(dirname(parent)).startsWith('models--')) {
    return [realFolder, join(dirname(parent), 'blobs')];
  }
  return [realFolder];
}

function inside(path: string, root: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The full path of the file `name` inside `folder`, where `name` comes from the folder's own files
 * (an index's weight_map, a fixed file name): refuses absolute paths, `..`, links that lead out of
 * the folder and anything but a regular file within `limit`. `source` is the file that named it.
 */
export function fileInFolder(folder: string, name: unknown, limit: SizeLimit, ErrorClass: FileErrorClass, source = folder): string {
  const refuse = (why: string): never => {
    throw new ErrorClass(source, `${source}: refused the file name ${quote(name)}: ${why}. A model folder may only name files inside itself.`);
  };
  if (typeof name !== 'string' || name.trim() === '') return refuse('it is not a file name');
  if (name.includes('\0')) refuse('it contains a NUL character');
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name) || name.startsWith('\\') || name.startsWith('/')) refuse('it is an absolute path');
  if (name.split(/[\\/]/).some((part) => part === '..')) refuse('it climbs out of the folder with ".."');
  const path = resolve(folder, name);
  let realFolder: string;
  try {
    realFolder = realpathSync(folder);
  } catch (err) {
    throw new ErrorClass(folder, `${folder}: ${describeOpenError(err)}`);
  }
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    throw new ErrorClass(path, `${path} (named by ${source}): ${describeOpenError(err)}`);
  }
  if (!allowedRoots(realFolder).some((root) => inside(real, root))) {
    throw new ErrorClass(
      source,
      `${source}: ${quote(name)} is a link to ${real}, outside the folder ${folder}; refused. Copy the file into the folder instead of linking to it.`,
    );
  }
  checkRegularFile(path, limit, ErrorClass);
  return path;
}
