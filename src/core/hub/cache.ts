// The on-disk cache, laid out exactly as Python's huggingface_hub lays it out, so either side reuses
// what the other downloaded:
//   <HF_HUB_CACHE>/models--<org>--<name>/      (datasets: datasets--<org>--<name>/)
//     blobs/<etag>                      file contents (etag = sha256 for LFS files, git sha1 otherwise)
//     blobs/<etag>.incomplete           a download in progress (resumed with an HTTP Range request)
//     snapshots/<commit>/<file>         relative symlink -> ../../blobs/<etag>
//     refs/<revision>                   the commit hash a branch or tag pointed to (no newline)
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { COMMIT_HASH } from '../repo-spec';
import type { RepoType } from './repo-type';

export function repoFolderName(repo: string, type: RepoType = 'model'): string {
  return [`${type}s`, ...repo.split('/')].join('--');
}

export class RepoCache {
  readonly root: string;

  constructor(
    cacheDir: string,
    readonly repo: string,
    readonly type: RepoType = 'model',
  ) {
    this.root = join(cacheDir, repoFolderName(repo, type));
  }

  blobPath(etag: string): string {
    if (!/^[\w.-]+$/.test(etag)) throw new Error(`The hub sent an unusable ETag "${etag}" for ${this.repo}.`);
    return join(this.root, 'blobs', etag);
  }

  snapshotDir(commit: string): string {
    return join(this.root, 'snapshots', commit);
  }

  /** snapshots/<commit>/<file>, refusing names that would leave the snapshot folder. */
  pointerPath(commit: string, file: string): string {
    const dir = this.snapshotDir(commit);
    const path = resolve(dir, ...file.split('/'));
    if (!path.startsWith(resolve(dir) + sep)) throw new Error(`Refusing file name "${file}" from ${this.repo}: it points outside the snapshot folder.`);
    return path;
  }

  /** The commit a revision stands for in the cache: itself if it is a commit hash, else refs/<revision>. */
  commitFor(revision: string): string | undefined {
    if (COMMIT_HASH.test(revision)) return revision;
    const ref = join(this.root, 'refs', ...revision.split('/'));
    if (!existsSync(ref)) return undefined;
    const commit = readFileSync(ref, 'utf8').trim();
    return COMMIT_HASH.test(commit) ? commit : undefined;
  }

  /** Records revision -> commit, as huggingface_hub does (atomically, without newline, only when it changed). */
  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const ref = join(this.root, 'refs', ...revision.split('/'));
    if (existsSync(ref) && readFileSync(ref, 'utf8') === commit) return;
    writeFileAtomic(ref, commit);
  }

  /** Commits that have a snapshot folder. */
  snapshots(): string[] {
    const dir = join(this.root, 'snapshots');
    return existsSync(dir) ? readdirSync(dir).filter((c) => COMMIT_HASH.test(c)) : [];
  }
}

/**
 * Points snapshots/<commit>/<file> at blobs/<etag> with a relative symlink (the cache survives being
 * moved). Where symlinks are not allowed (Windows without developer mode) the blob is copied.
 */
export function linkBlob(blobPath: string, pointerPath: string): void {
  mkdirSync(dirname(pointerPath), { recursive: true });
  try {
    if (lstatSync(pointerPath)) rmSync(pointerPath, { force: true });
  } catch {
    // no previous pointer
  }
  try {
    symlinkSync(relative(dirname(pointerPath), blobPath), pointerPath, 'file');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP') throw err;
    copyFileSync(blobPath, pointerPath);
  }
}

/** Marks the cache folder for backup tools (the Cache Directory Tagging Standard), as huggingface_hub does. */
export function tagCacheDir(cacheDir: string): void {
  const tag = join(cacheDir, 'CACHEDIR.TAG');
  if (existsSync(tag)) return;
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(tag, 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by Prompt Tuner (the huggingface_hub cache).\n# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n');
  } catch {
    // optional: a read-only cache still works
  }
}
