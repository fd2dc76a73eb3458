// `org/name[@revision]` (or a legacy single-name repo such as `t5-small`), checked the way
// huggingface_hub validates repo ids, so a typo fails here and not as a confusing HTTP error. Free of
// Node, so the settings schema (bundled into the panel) checks hub ids too.

export interface RepoSpec {
  repo: string;
  revision: string;
}

export const DEFAULT_REVISION = 'main';
const REPO_ID = /^(?:[\w\-.]+\/)?[\w\-.]+$/;
export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** Why `repo` is not a valid hub repo id, or undefined when it is. */
export function repoIdProblem(repo: string): string | undefined {
  if (!REPO_ID.test(repo)) return 'use letters, digits, "-", "_" and "." in the form org/name';
  if (repo.includes('--') || repo.includes('..')) return '"--" and ".." are not allowed in repo ids';
  if (repo.length > 96) return 'repo ids are at most 96 characters';
  const name = repo.split('/').pop() ?? '';
  if (/^[-.]|[-.]$/.test(name)) return 'the name cannot start or end with "-" or "."';
  return undefined;
}

/** A branch, tag or commit name that stays inside refs/ and URLs (no "..", leading "/", "\\" or spaces). */
export function isRevision(revision: string): boolean {
  return revision !== '' && !/\.\.|^\/|\\|\s/.test(revision);
}

/** Parses `org/name[@revision]`; returns undefined when `spec` is not shaped like a repo id. */
export function parseRepoSpec(spec: string): RepoSpec | undefined {
  const at = spec.indexOf('@');
  const repo = at < 0 ? spec : spec.slice(0, at);
  const revision = at < 0 ? DEFAULT_REVISION : spec.slice(at + 1);
  if (repoIdProblem(repo) !== undefined || !isRevision(revision)) return undefined;
  return { repo, revision };
}
