// A stand-in for the Hugging Face hub on 127.0.0.1, answering as huggingface.co does:
//   GET  /api/models/<repo>/revision/<rev>   -> { id, sha, siblings: [{ rfilename }] }
//   HEAD|GET /<repo>/resolve/<rev>/<file>    -> small files: 200 with ETag = git blob sha1;
//   (datasets: /api/datasets/<repo>/revision/<rev> and /datasets/<repo>/resolve/<rev>/<file>;
//   <rev> is main, another branch of the repo such as refs/convert/parquet (URL-encoded), or a commit)
//        LFS files (*.safetensors, *.bin, *.model, *.parquet): 302 to a second "CDN" server, with
//        X-Linked-Etag = sha256, X-Linked-Size, and X-Repo-Commit on every answer
//   errors carry X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo)
// The CDN serves blobs with Range support. Faults (dropped connection, wrong bytes, slow
// streaming, no API) are switched on per test. Every request is logged.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { HubError } from '../../src/core/hub';

export interface FakeRepo {
  id: string;
  /** Default: model. */
  type?: 'model' | 'dataset';
  /** The files of main. */
  files: Record<string, Buffer>;
  /** Other branches and their files, e.g. refs/convert/parquet. */
  branches?: Record<string, Record<string, Buffer>>;
  /** Token required for everything (a private repo: 401 RepoNotFound without it). */
  privateToken?: string;
  /** Token required for file downloads only (a gated repo: metadata stays public). */
  gatedToken?: string;
  /** Serve this id as a 307 redirect to another repo (a renamed repo). */
  renamedTo?: string;
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface Faults {
  /** Close the connection after `bytes` body bytes of `file`, `times` times. */
  drop?: { file: string; bytes: number; times: number };
  /** Ignore Range requests for `file` (answer 200 with the whole file), as some proxies do. */
  ignoreRange?: string;
  /** Serve `file` with one byte changed. */
  corrupt?: string;
  /** Stream `file` in `chunk`-byte pieces, `delayMs` apart. */
  slow?: { file: string; chunk: number; delayMs: number };
  /** Answer the API with a plain 404, like a mirror without it. */
  noApi?: boolean;
  /** Announce `size` bytes for `file` in X-Linked-Size (a file larger than the test can hold). */
  announce?: { file: string; size: number };
  /** Serve LFS blobs from the hub's own origin (/blobs/...) instead of the CDN server. */
  sameOriginLfs?: boolean;
}

export const LFS = /\.(safetensors|bin|model|h5|msgpack|parquet)$/;

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function gitBlobSha1(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

/** The commit main (or another branch) of `repo` points to. */
export function commitOf(repo: string, branch = 'main'): string {
  return createHash('sha1').update(branch === 'main' ? `commit of ${repo}` : `commit of ${repo}@${branch}`).digest('hex');
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

export class FakeHub {
  readonly requests: LoggedRequest[] = [];
  faults: Faults = {};
  endpoint = '';
  cdn = '';
  private readonly hubServer: Server;
  private readonly cdnServer: Server;
  /** By sha256: the bytes, and every file name they are served under (faults name a file). */
  private readonly blobs = new Map<string, { files: string[]; data: Buffer }>();

  private constructor(private readonly repos: FakeRepo[]) {
    for (const repo of repos) {
      for (const files of [repo.files, ...Object.values(repo.branches ?? {})]) {
        for (const [file, data] of Object.entries(files)) {
          const blob = this.blobs.get(sha256(data)) ?? { files: [], data };
          blob.files.push(file);
          this.blobs.set(sha256(data), blob);
        }
      }
    }
    this.hubServer = createServer((req, res) => this.hub(req, res));
    this.cdnServer = createServer((req, res) => this.serveBlob(req, res));
  }

  static async start(repos: FakeRepo[]): Promise<FakeHub> {
    const hub = new FakeHub(repos);
    hub.endpoint = await listen(hub.hubServer);
    hub.cdn = await listen(hub.cdnServer);
    return hub;
  }

  async close(): Promise<void> {
    this.hubServer.closeAllConnections();
    this.cdnServer.closeAllConnections();
    await Promise.all([new Promise((r) => this.hubServer.close(r)), new Promise((r) => this.cdnServer.close(r))]);
  }

  reset(): void {
    this.requests.length = 0;
    this.faults = {};
  }

  private log(server: 'hub' | 'cdn', req: IncomingMessage): void {
    this.requests.push({ server, method: req.method ?? '', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });
  }

  private hub(req: IncomingMessage, res: ServerResponse): void {
    if (req.url?.startsWith('/blobs/')) return this.serveBlob(req, res);
    this.log('hub', req);
    const url = new URL(req.url ?? '/', this.endpoint);
    const api = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const match = api ?? resolve;
    if (!match) return this.fail(res, 404, undefined);
    const type = api ? (api[1] === 'datasets' ? 'dataset' : 'model') : resolve?.[1] ? 'dataset' : 'model';
    const repoId = match[2];
    const repo = this.repos.find((r) => r.id === repoId && (r.type ?? 'model') === type);
    if (!repo) return this.fail(res, 404, 'RepoNotFound');
    if (repo.renamedTo) {
      res.writeHead(307, { location: url.pathname.replace(`/${repo.id}/`, `/${repo.renamedTo}/`) });
      return void res.end();
    }
    const auth = req.headers.authorization;
    if (repo.privateToken && auth !== `Bearer ${repo.privateToken}`) {
      if (auth) return this.fail(res, 401, undefined, 'Invalid credentials in Authorization header');
      return this.fail(res, 401, 'RepoNotFound');
    }
    const revision = decodeURIComponent(match[3] as string);
    const branches: Record<string, Record<string, Buffer>> = { main: repo.files, ...repo.branches };
    const branch = Object.keys(branches).find((b) => b === revision || commitOf(repo.id, b) === revision);
    if (branch === undefined) return this.fail(res, 404, 'RevisionNotFound');
    const commit = commitOf(repo.id, branch);
    const files = branches[branch] as Record<string, Buffer>;
    if (api) {
      if (this.faults.noApi) return this.fail(res, 404, undefined);
      const body = JSON.stringify({ id: repo.id, sha: commit, siblings: ['.gitattributes', ...Object.keys(files)].map((rfilename) => ({ rfilename })) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      return void res.end(body);
    }
    const file = decodeURIComponent(match[4] as string);
    const data = files[file];
    if (data === undefined) return this.fail(res, 404, 'EntryNotFound', undefined, commit);
    if (repo.gatedToken && auth !== `Bearer ${repo.gatedToken}`) {
      return this.fail(res, 401, 'GatedRepo', `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
    }
    if (LFS.test(file)) {
      const digest = sha256(data);
      res.writeHead(302, {
        location: `${this.faults.sameOriginLfs ? this.endpoint : this.cdn}/blobs/${digest}?X-Amz-Signature=fake`,
        'x-repo-commit': commit,
        'x-linked-etag': `"${digest}"`,
        'x-linked-size': String(this.faults.announce?.file === file ? this.faults.announce.size : data.length),
        etag: `"${gitBlobSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${digest}\nsize ${data.length}\n`))}"`,
        'content-length': '0',
      });
      return void res.end();
    }
    res.writeHead(200, { 'x-repo-commit': commit, etag: `"${gitBlobSha1(data)}"`, 'content-length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  private fail(res: ServerResponse, status: number, code: string | undefined, message?: string, commit?: string): void {
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (code) headers['x-error-code'] = code;
    if (message) headers['x-error-message'] = message;
    if (commit) headers['x-repo-commit'] = commit;
    res.writeHead(status, headers);
    res.end(`${status} ${code ?? ''}`);
  }

  private serveBlob(req: IncomingMessage, res: ServerResponse): void {
    this.log('cdn', req);
    const digest = /^\/blobs\/([0-9a-f]{64})/.exec(req.url ?? '')?.[1];
    const blob = digest ? this.blobs.get(digest) : undefined;
    if (!blob) {
      res.writeHead(404);
      return void res.end();
    }
    let data = blob.data;
    if (this.faults.corrupt !== undefined && blob.files.includes(this.faults.corrupt)) {
      data = Buffer.from(data);
      data[data.length >> 1] ^= 0xff;
    }
    const range = this.faults.ignoreRange && blob.files.includes(this.faults.ignoreRange) ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start >= data.length && range) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` });
      return void res.end();
    }
    const body = data.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': body.length,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
    });
    const drop = this.faults.drop;
    if (drop && blob.files.includes(drop.file) && drop.times > 0) {
      drop.times--;
      // A FIN after the partial body (as a proxy that gives up does): the client sees a short response.
      res.write(body.subarray(0, drop.bytes), () => res.socket?.end());
      return;
    }
    const slow = this.faults.slow;
    if (slow && blob.files.includes(slow.file)) {
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        if (at >= body.length) return void res.end();
        res.write(body.subarray(at, at + slow.chunk));
        at += slow.chunk;
        setTimeout(next, slow.delayMs);
      };
      return next();
    }
    res.end(body);
  }
}

/** The HubError `p` rejects with (fails the test when it resolves or throws something else). */
export async function hubRejection(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HubError, `expected a HubError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}
