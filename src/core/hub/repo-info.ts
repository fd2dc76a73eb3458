// What a revision of a repo is: its commit and file names, from the hub API
// (GET /api/<models|datasets>/<repo>/revision/<revision>), as huggingface_hub's repo_info gives them.
import { HubError } from './errors';
import type { HubContext } from './file-download';
import { hubRequest, httpError, networkError, readBody } from './http';
import { apiPath } from './repo-type';
import { COMMIT_HASH } from '../repo-spec';

export interface RepoInfo {
  commit: string;
  files: Set<string>;
}

/** The revision's commit and files; undefined when the server has no API (a mirror answering a plain 404, 405 or 501). */
export async function fetchRepoInfo(ctx: HubContext): Promise<RepoInfo | undefined> {
  const { settings } = ctx;
  const type = ctx.repoType ?? 'model';
  const url = `${settings.endpoint}${apiPath(type, ctx.repo)}/revision/${encodeURIComponent(ctx.revision)}`;
  let res;
  try {
    res = await hubRequest(url, { method: 'GET', redirects: 'same-origin', timeoutSeconds: settings.etagTimeout, signal: ctx.signal }, settings.token);
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw networkError(err, settings, type);
  }
  if (res.status === 200) {
    let info: { sha?: unknown; siblings?: { rfilename?: unknown }[] };
    try {
      info = JSON.parse((await readBody(res)).toString('utf8')) as typeof info;
    } catch {
      throw new HubError('bad-response', `${url} did not answer with JSON: ${settings.endpoint} does not look like a Hugging Face hub. Check HF_ENDPOINT.`);
    }
    if (typeof info.sha !== 'string' || !COMMIT_HASH.test(info.sha) || !Array.isArray(info.siblings)) {
      throw new HubError('bad-response', `${url} answered without "sha" and "siblings": ${settings.endpoint} does not look like a Hugging Face hub. Check HF_ENDPOINT.`);
    }
    const files = new Set(info.siblings.map((s) => s.rfilename).filter((f): f is string => typeof f === 'string'));
    return { commit: info.sha, files };
  }
  if (res.headers['x-error-code'] === undefined && [404, 405, 501].includes(res.status)) {
    res.body.resume();
    return undefined;
  }
  throw httpError(res, { repo: ctx.repo, repoType: type, revision: ctx.revision, settings });
}
