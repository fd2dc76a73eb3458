// Models and datasets live side by side on the hub and in its cache; only their addresses differ:
//   cache folder   models--org--name            datasets--org--name
//   files          <endpoint>/org/name/resolve/  <endpoint>/datasets/org/name/resolve/
//   API            /api/models/org/name/...      /api/datasets/org/name/...
export type RepoType = 'model' | 'dataset';

/** The repo's path on the hub's web side: `org/name` or `datasets/org/name`. */
export function repoPath(type: RepoType, repo: string): string {
  return type === 'model' ? repo : `datasets/${repo}`;
}

/** `/api/models/org/name` or `/api/datasets/org/name`. */
export function apiPath(type: RepoType, repo: string): string {
  return `/api/${type}s/${repo}`;
}
