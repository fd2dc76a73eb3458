// The hub client against a local stand-in for huggingface.co (hub-fake-hub.ts, 127.0.0.1 only):
// downloads into huggingface_hub's cache layout, reuse of that cache (ours and one laid out by hand
// as Python makes it), offline mode, resume after a dropped connection, sha256 checks, errors, cancellation,
// sharded and pytorch_model.bin checkpoints, and the `download` command.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as tf from '../../src/core/tf';
import { selectBackend, loadT5 } from '../../src/core';
import { readHubSettings, resolveModel, type DownloadEvent, type Env } from '../../src/core/hub';
import { runDownload } from '../../src/cli/download';
import { runTokenize } from '../../src/cli/tokenize';
import { useHubForModels } from '../../src/core/hub/engine-resolver';
import { resolveModelDir } from '../../src/core/session';
import { SHARED_DIR, SKIP_NO_SHARED } from '../support/shared';
import { flat, maxAbsDiff, readJson, rows, type FixtureTensor } from '../support/golden';
import { FakeHub, LFS, commitOf, gitBlobSha1, sha256, hubRejection } from './hub-fake-hub';

const TINY = join(SHARED_DIR, 'fixtures', 't5-golden', 't5-v1_1-tiny');
const SPIECE = join(SHARED_DIR, 'fixtures', 't5-spiece', 'spiece.model');
const GOOD_TOKEN = 'hf_GoodSecretToken0123456789';
const WRONG_TOKEN = 'hf_WrongSecretToken9876543210';
const fast = { retryDelayMs: 5 };

let hub: FakeHub;
let cacheDir: string;
let env: Env;
const temps: string[] = [];

function read(...parts: string[]): Buffer {
  return readFileSync(join(...parts));
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
  temps.push(dir);
  return dir;
}

function hubEnv(extra: Env = {}): Env {
  // HF_HOME points into the temp dir so no real token file is ever read.
  return { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cacheDir, HF_HOME: join(cacheDir, 'home'), ...extra };
}


/** The seq2seq case of cases.json through the loaded model: logits within the fixture's 1e-4. */
async function assertForwardMatches(dir: string): Promise<void> {
  interface Case {
    input_ids: FixtureTensor;
    attention_mask: FixtureTensor;
    decoder_input_ids: FixtureTensor;
    labels: FixtureTensor;
    expected: { logits: FixtureTensor };
  }
  const c = readJson<{ seq2seq: Case }>(join(TINY, 'cases.json')).seq2seq;
  const model = await loadT5(dir);
  const { logits, encoderHiddenStates } = model.forward({ inputIds: rows(c.input_ids), attentionMask: rows(c.attention_mask), decoderInputIds: rows(c.decoder_input_ids), labels: rows(c.labels) });
  const err = maxAbsDiff(logits.dataSync(), flat(c.expected.logits));
  tf.dispose([logits, encoderHiddenStates]);
  assert.ok(err <= 1e-4, `logits off by ${err}`);
}

before(async () => {
  if (SKIP_NO_SHARED) return;
  await selectBackend();
  const spiece = readFileSync(SPIECE);
  const generationConfig = Buffer.from('{"decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0}\n');
  hub = await FakeHub.start([
    { id: 'org/tiny', files: { 'config.json': read(TINY, 'config.json'), 'model.safetensors': read(TINY, 'model.safetensors'), 'spiece.model': spiece, 'generation_config.json': generationConfig, 'README.md': Buffer.from('# tiny\n') } },
    {
      id: 'org/tiny-sharded',
      files: Object.fromEntries([...readdirSync(join(TINY, 'sharded')).map((f) => [f, read(TINY, 'sharded', f)]), ['spiece.model', spiece]]),
    },
    { id: 'org/tiny-bin', files: { 'config.json': read(TINY, 'config.json'), 'pytorch_model.bin': read(TINY, 'pytorch_model.bin'), 'spiece.model': spiece } },
    { id: 'org/private', privateToken: GOOD_TOKEN, files: { 'config.json': read(TINY, 'config.json'), 'model.safetensors': read(TINY, 'model.safetensors'), 'spiece.model': spiece } },
    { id: 'org/gated', gatedToken: GOOD_TOKEN, files: { 'config.json': read(TINY, 'config.json'), 'model.safetensors': read(TINY, 'model.safetensors'), 'spiece.model': spiece } },
    { id: 'old/tiny', renamedTo: 'org/tiny', files: {} },
    { id: 'org/tf-only', files: { 'config.json': read(TINY, 'config.json'), 'tf_model.h5': Buffer.from('not really'), 'spiece.model': spiece } },
  ]);
});

beforeEach(() => {
  if (SKIP_NO_SHARED) return;
  hub.reset();
  cacheDir = tempDir();
  env = hubEnv();
});

after(async () => {
  await hub?.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

test('downloads a model into the huggingface_hub layout and loadT5 runs it', { skip: SKIP_NO_SHARED }, async () => {
  const events: DownloadEvent[] = [];
  const got = await resolveModel('org/tiny', { env, onEvent: (e) => events.push(e) });
  const commit = commitOf('org/tiny');
  const root = join(cacheDir, 'models--org--tiny');
  assert.deepEqual(got, { dir: join(root, 'snapshots', commit), repo: 'org/tiny', revision: 'main', commit, fromCache: false });
  // refs/main holds the commit, without a newline (Python reads it with f.read()).
  assert.equal(readFileSync(join(root, 'refs', 'main'), 'utf8'), commit);
  const expected: Record<string, Buffer> = {
    'config.json': read(TINY, 'config.json'),
    'model.safetensors': read(TINY, 'model.safetensors'),
    'spiece.model': readFileSync(SPIECE),
  };
  for (const [file, data] of Object.entries(expected)) {
    const pointer = join(got.dir, file);
    assert.ok(lstatSync(pointer).isSymbolicLink(), `${file} is a symlink`);
    const etag = LFS.test(file) ? sha256(data) : gitBlobSha1(data);
    assert.equal(readlinkSync(pointer), join('..', '..', 'blobs', etag), `${file} links relatively to blobs/<etag>`);
    assert.ok(readFileSync(pointer).equals(data), `${file} has the served bytes`);
  }
  assert.ok(existsSync(join(got.dir, 'generation_config.json')), 'small optional files come along');
  assert.ok(!existsSync(join(got.dir, 'README.md')), 'files a T5 does not need are left out');
  assert.deepEqual(readdirSync(join(root, 'blobs')).filter((f) => f.endsWith('.incomplete')), []);
  assert.match(readFileSync(join(cacheDir, 'CACHEDIR.TAG'), 'utf8'), /^Signature: 8a477f597d28d172789f06886806bc55\n/);

  const plan = events.find((e) => e.type === 'plan');
  assert.ok(plan && plan.type === 'plan');
  // Everything but README.md: the three files above and generation_config.json.
  const total = Object.values(expected).reduce((n, d) => n + d.length, 0) + 68;
  assert.equal(plan.downloadBytes, total);
  const progress = events.filter((e) => e.type === 'progress');
  const last = progress[progress.length - 1];
  assert.ok(last && last.type === 'progress' && last.bytes === total && last.totalBytes === total && last.etaSeconds === 0);
  const done = events[events.length - 1];
  assert.ok(done.type === 'done' && done.dir === got.dir && !done.fromCache && done.downloadedBytes === total);
  assert.equal(hub.requests.filter((r) => r.server === 'cdn').length, 2, 'one CDN request per LFS file');
  await assertForwardMatches(got.dir);
});

test('a second resolve uses the cache without any request', { skip: SKIP_NO_SHARED }, async () => {
  const first = await resolveModel('org/tiny', { env });
  hub.reset();
  const events: DownloadEvent[] = [];
  const second = await resolveModel('org/tiny', { env, onEvent: (e) => events.push(e) });
  assert.equal(second.dir, first.dir);
  assert.equal(second.fromCache, true);
  assert.equal(hub.requests.length, 0);
  assert.deepEqual(events.map((e) => e.type), ['cache-hit', 'done']);
  // The commit hash as revision works from the cache too.
  assert.equal((await resolveModel(`org/tiny@${first.commit}`, { env })).dir, first.dir);
  assert.equal(hub.requests.length, 0);
});

/** Lays out a cache exactly as Python's huggingface_hub writes it. */
function pythonCache(repo: string, files: Record<string, Buffer>): string {
  const root = join(cacheDir, `models--${repo.replace('/', '--')}`);
  const commit = commitOf(repo);
  const snapshot = join(root, 'snapshots', commit);
  mkdirSync(join(root, 'blobs'), { recursive: true });
  mkdirSync(join(root, 'refs'), { recursive: true });
  mkdirSync(snapshot, { recursive: true });
  for (const [file, data] of Object.entries(files)) {
    const blob = join(root, 'blobs', LFS.test(file) ? sha256(data) : gitBlobSha1(data));
    writeFileSync(blob, data);
    symlinkSync(relative(snapshot, blob), join(snapshot, file));
  }
  writeFileSync(join(root, 'refs', 'main'), commit);
  return snapshot;
}

test('a cache made by Python huggingface_hub is used as it is', { skip: SKIP_NO_SHARED }, async () => {
  const snapshot = pythonCache('org/tiny', { 'config.json': read(TINY, 'config.json'), 'model.safetensors': read(TINY, 'model.safetensors'), 'spiece.model': readFileSync(SPIECE) });
  const got = await resolveModel('org/tiny', { env });
  assert.equal(got.dir, snapshot);
  assert.equal(got.fromCache, true);
  assert.equal(hub.requests.length, 0);
  await assertForwardMatches(got.dir);
});

test('a Python cache without the tokenizer gets only what is missing', { skip: SKIP_NO_SHARED }, async () => {
  // T5ForConditionalGeneration.from_pretrained alone caches config and weights, not spiece.model.
  const snapshot = pythonCache('org/tiny', { 'config.json': read(TINY, 'config.json'), 'model.safetensors': read(TINY, 'model.safetensors') });
  const got = await resolveModel('org/tiny', { env });
  assert.equal(got.dir, snapshot);
  const cdn = hub.requests.filter((r) => r.server === 'cdn');
  assert.equal(cdn.length, 1, 'only spiece.model is downloaded');
  assert.ok(readFileSync(join(snapshot, 'spiece.model')).equals(readFileSync(SPIECE)));
  assert.ok(lstatSync(join(snapshot, 'spiece.model')).isSymbolicLink());
});

test('HF_HUB_OFFLINE=1 uses the cache and fails clearly without it', { skip: SKIP_NO_SHARED }, async () => {
  const offline = hubEnv({ HF_HUB_OFFLINE: '1' });
  const err = await hubRejection(resolveModel('org/tiny', { env: offline }));
  assert.equal(err.code, 'offline');
  assert.match(err.message, /HF_HUB_OFFLINE/);
  assert.match(err.message, /org\/tiny@main/);
  assert.equal(hub.requests.length, 0);
  const online = await resolveModel('org/tiny', { env });
  hub.reset();
  const cached = await resolveModel('org/tiny', { env: offline, refresh: true });
  assert.equal(cached.dir, online.dir);
  assert.equal(cached.fromCache, true);
  assert.equal(hub.requests.length, 0);
});

test('no network: a clear error naming HF_HUB_OFFLINE, or the cache when it has the model', { skip: SKIP_NO_SHARED }, async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const down = hubEnv({ HF_ENDPOINT: `http://127.0.0.1:${port}` });
  const err = await hubRejection(resolveModel('org/tiny', { env: down }));
  assert.equal(err.code, 'network');
  assert.match(err.message, /ECONNREFUSED/);
  assert.match(err.message, /HF_HUB_OFFLINE=1/);
  assert.match(err.message, /local model folder/);
  const online = await resolveModel('org/tiny', { env });
  const events: DownloadEvent[] = [];
  const fallback = await resolveModel('org/tiny', { env: down, refresh: true, onEvent: (e) => events.push(e) });
  assert.equal(fallback.dir, online.dir);
  assert.ok(events.some((e) => e.type === 'note' && /unreachable/.test(e.message)));
});

test('HF_TOKEN never goes over plain http to another machine, and credentials in HF_ENDPOINT are never repeated', async () => {
  // A server on this machine's network address (not loopback): the request would leave the machine.
  const external = Object.values(networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4')?.address ?? '192.0.2.1';
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const err = await hubRejection(resolveModel('org/tiny', { env: hubEnv({ HF_ENDPOINT: `http://${external}:${port}`, HF_TOKEN: GOOD_TOKEN }) }));
    assert.equal(err.code, 'bad-endpoint');
    assert.match(err.message, new RegExp(`^HF_ENDPOINT=http://${external.replace(/\./g, '\\.')}:${port} uses plain http to another machine`));
    assert.match(err.message, /use https:\/\//);
    assert.deepEqual(seen, [], 'no request was sent');
  } finally {
    await new Promise((r) => server.close(r));
  }
  const withPassword = await hubRejection(resolveModel('org/tiny', { env: hubEnv({ HF_ENDPOINT: 'https://me:hunter2secret@mirror.example/hub' }) }));
  assert.equal(withPassword.code, 'bad-endpoint');
  assert.match(withPassword.message, /HF_ENDPOINT holds a user name or password \(https:\/\/mirror\.example with credentials\)/);
  assert.doesNotMatch(withPassword.message, /hunter2secret|me:/);
  for (const ok of ['http://localhost:8080', 'http://127.0.0.5:1/', 'http://[::1]:9', 'https://hf-mirror.example/base/']) {
    assert.equal(readHubSettings({ HF_ENDPOINT: ok, HF_HOME: cacheDir }).endpoint, ok.replace(/\/$/, ''), ok);
  }
  assert.throws(() => readHubSettings({ HF_ENDPOINT: 'ftp://mirror.example' }), /HF_ENDPOINT=.* is not an http\(s\) address/);
  assert.throws(() => readHubSettings({ HF_ENDPOINT: 'hf-mirror.example' }), /^HubError: HF_ENDPOINT is not a URL/);
});

test('a server that ignores Range and drops at the same place every time is given up on, not retried forever', { skip: SKIP_NO_SHARED, timeout: 30_000 }, async () => {
  hub.faults.ignoreRange = 'model.safetensors';
  hub.faults.drop = { file: 'model.safetensors', bytes: 100_000, times: Infinity };
  const retries: number[] = [];
  const err = await hubRejection(resolveModel('org/tiny', { env, ...fast, onEvent: (e) => e.type === 'retry' && retries.push(e.attempt) }));
  assert.equal(err.code, 'network');
  assert.match(err.message, /Downloading model\.safetensors of org\/tiny failed after 100000 bytes .*Run the download again/);
  assert.ok(retries.length <= 6, `gave up after ${retries.length} retries (${retries.join(', ')})`);
});

test('a dropped connection is resumed with a Range request', { skip: SKIP_NO_SHARED }, async () => {
  const weights = read(TINY, 'model.safetensors');
  const digest = sha256(weights);
  hub.faults.drop = { file: 'model.safetensors', bytes: 100_000, times: 1 };
  const events: DownloadEvent[] = [];
  const got = await resolveModel('org/tiny', { env, ...fast, onEvent: (e) => events.push(e) });
  const gets = hub.requests.filter((r) => r.server === 'cdn' && r.url.includes(digest));
  assert.deepEqual(gets.map((r) => r.range), [undefined, 'bytes=100000-']);
  assert.ok(events.some((e) => e.type === 'retry' && e.resumeFrom === 100_000));
  assert.ok(readFileSync(join(got.dir, 'model.safetensors')).equals(weights));
});

test('an interrupted download is kept as blobs/<etag>.incomplete and resumed by the next run', { skip: SKIP_NO_SHARED }, async () => {
  const weights = read(TINY, 'model.safetensors');
  const digest = sha256(weights);
  hub.faults.drop = { file: 'model.safetensors', bytes: 123_456, times: 1 };
  const err = await hubRejection(resolveModel('org/tiny', { env, maxRetries: 0 }));
  assert.equal(err.code, 'network');
  assert.match(err.message, /resumes/);
  const incomplete = join(cacheDir, 'models--org--tiny', 'blobs', `${digest}.incomplete`);
  assert.equal(readFileSync(incomplete).length, 123_456);
  hub.reset();
  const got = await resolveModel('org/tiny', { env });
  const gets = hub.requests.filter((r) => r.server === 'cdn' && r.url.includes(digest));
  assert.deepEqual(gets.map((r) => r.range), ['bytes=123456-']);
  assert.ok(readFileSync(join(got.dir, 'model.safetensors')).equals(weights));
  assert.ok(!existsSync(incomplete));
});

test('a stalled download times out after HF_HUB_DOWNLOAD_TIMEOUT', { skip: SKIP_NO_SHARED }, async () => {
  hub.faults.slow = { file: 'model.safetensors', chunk: 50_000, delayMs: 2000 };
  const err = await hubRejection(resolveModel('org/tiny', { env: hubEnv({ HF_HUB_DOWNLOAD_TIMEOUT: '0.3' }), maxRetries: 0 }));
  assert.equal(err.code, 'network');
  assert.match(err.message, /no data from .* within 0\.3 s/);
  assert.match(err.message, /HF_HUB_DOWNLOAD_TIMEOUT/);
  assert.match(err.message, /failed after 50000 bytes/);
});

test('wrong bytes from the server: sha256 mismatch, file deleted, clear error', { skip: SKIP_NO_SHARED }, async () => {
  hub.faults.corrupt = 'model.safetensors';
  const err = await hubRejection(resolveModel('org/tiny', { env }));
  assert.equal(err.code, 'checksum');
  assert.match(err.message, /model\.safetensors/);
  assert.match(err.message, /sha256/);
  assert.match(err.message, /deleted/);
  const blobs = join(cacheDir, 'models--org--tiny', 'blobs');
  const digest = sha256(read(TINY, 'model.safetensors'));
  assert.ok(!existsSync(join(blobs, digest)) && !existsSync(join(blobs, `${digest}.incomplete`)));
  assert.ok(!existsSync(join(cacheDir, 'models--org--tiny', 'snapshots', commitOf('org/tiny'), 'model.safetensors')));
});

test('unknown repo, revision and a repo without usable weights', { skip: SKIP_NO_SHARED }, async () => {
  const repo = await hubRejection(resolveModel('org/missing', { env }));
  assert.equal(repo.code, 'repo-not-found');
  assert.match(repo.message, /org\/missing was not found/);
  const rev = await hubRejection(resolveModel('org/tiny@v9', { env }));
  assert.equal(rev.code, 'revision-not-found');
  assert.match(rev.message, /"v9"/);
  const tf = await hubRejection(resolveModel('org/tf-only', { env }));
  assert.equal(tf.code, 'no-weights');
  assert.match(tf.message, /tf_model\.h5/);
  const spec = await hubRejection(resolveModel('not a model!', { env }));
  assert.equal(spec.code, 'bad-spec');
  const folder = await hubRejection(resolveModel('./no/such/folder', { env }));
  assert.equal(folder.code, 'bad-spec');
  assert.match(folder.message, /does not exist/);
});

test('401: the message says HF_TOKEN and never contains the token', { skip: SKIP_NO_SHARED }, async () => {
  const wrong = await hubRejection(resolveModel('org/private', { env: hubEnv({ HF_TOKEN: WRONG_TOKEN }) }));
  assert.equal(wrong.code, 'unauthorized');
  assert.match(wrong.message, /HF_TOKEN/);
  assert.ok(!wrong.message.includes(WRONG_TOKEN) && !String(wrong.stack).includes(WRONG_TOKEN));
  const none = await hubRejection(resolveModel('org/private', { env }));
  assert.equal(none.code, 'repo-not-found');
  assert.match(none.message, /HF_TOKEN/);
  const gated = await hubRejection(resolveModel('org/gated', { env }));
  assert.equal(gated.code, 'gated');
  assert.match(gated.message, /accept its license/);
  assert.match(gated.message, /HF_TOKEN/);
});

test('HF_TOKEN opens private and gated repos and is never sent to the CDN', { skip: SKIP_NO_SHARED }, async () => {
  const withToken = hubEnv({ HF_TOKEN: GOOD_TOKEN });
  await resolveModel('org/private', { env: withToken });
  await resolveModel('org/gated', { env: withToken });
  const hubCalls = hub.requests.filter((r) => r.server === 'hub');
  const cdnCalls = hub.requests.filter((r) => r.server === 'cdn');
  assert.ok(hubCalls.length > 0 && hubCalls.every((r) => r.authorization === `Bearer ${GOOD_TOKEN}`));
  assert.ok(cdnCalls.length > 0 && cdnCalls.every((r) => r.authorization === undefined));
});

test('cancellation through AbortSignal keeps the partial file for the next run', { skip: SKIP_NO_SHARED }, async () => {
  hub.faults.slow = { file: 'model.safetensors', chunk: 8192, delayMs: 10 };
  const controller = new AbortController();
  const err = await hubRejection(
    resolveModel('org/tiny', {
      env,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.file === 'model.safetensors' && e.fileBytes > 0 && e.fileBytes < (e.fileSize ?? 0)) controller.abort();
      },
    }),
  );
  assert.equal(err.code, 'cancelled');
  const digest = sha256(read(TINY, 'model.safetensors'));
  const incomplete = join(cacheDir, 'models--org--tiny', 'blobs', `${digest}.incomplete`);
  const kept = readFileSync(incomplete).length;
  assert.ok(kept > 0 && kept < read(TINY, 'model.safetensors').length, `kept ${kept} bytes`);
  hub.reset();
  const got = await resolveModel('org/tiny', { env });
  const range = hub.requests.find((r) => r.server === 'cdn' && r.url.includes(digest))?.range;
  assert.equal(range, `bytes=${kept}-`);
  await assertForwardMatches(got.dir);
});

test('sharded safetensors: the index is read and every shard downloaded', { skip: SKIP_NO_SHARED }, async () => {
  const got = await resolveModel('org/tiny-sharded', { env });
  for (const file of readdirSync(join(TINY, 'sharded'))) assert.ok(readFileSync(join(got.dir, file)).equals(read(TINY, 'sharded', file)), file);
  await assertForwardMatches(got.dir);
});

test('pytorch_model.bin checkpoints download and load', { skip: SKIP_NO_SHARED }, async () => {
  const got = await resolveModel('org/tiny-bin', { env });
  assert.ok(existsSync(join(got.dir, 'pytorch_model.bin')));
  await assertForwardMatches(got.dir);
});

test('a renamed repo (relative redirects) and a mirror without the API', { skip: SKIP_NO_SHARED }, async () => {
  const renamed = await resolveModel('old/tiny', { env });
  assert.equal(renamed.dir, join(cacheDir, 'models--old--tiny', 'snapshots', commitOf('org/tiny')));
  assert.ok(hub.requests.some((r) => r.url.startsWith('/old/tiny/resolve/')) && hub.requests.some((r) => r.url.startsWith('/org/tiny/resolve/')));
  cacheDir = tempDir();
  hub.reset();
  hub.faults.noApi = true;
  const probed = await resolveModel('org/tiny', { env: hubEnv() });
  assert.ok(existsSync(join(probed.dir, 'model.safetensors')) && existsSync(join(probed.dir, 'spiece.model')));
  assert.ok(hub.requests.some((r) => r.method === 'HEAD'));
});

test('LFS files stored on the hub origin itself: metadata from the redirect, bytes from its target', { skip: SKIP_NO_SHARED }, async () => {
  hub.faults.sameOriginLfs = true;
  const got = await resolveModel('org/tiny', { env });
  assert.ok(readFileSync(join(got.dir, 'model.safetensors')).equals(read(TINY, 'model.safetensors')));
  const heads = hub.requests.filter((r) => r.method === 'HEAD');
  assert.equal(hub.requests.filter((r) => r.method === 'HEAD' && r.url.startsWith('/blobs/')).length, 0, 'HEAD stops at the LFS redirect');
  assert.equal(heads.length, 4, 'one HEAD per file to fetch (config, weights, spiece, generation config)');
});

test('sessions resolve hub ids once useHubForModels is called', { skip: SKIP_NO_SHARED }, async () => {
  useHubForModels({ env });
  assert.equal(await resolveModelDir('org/tiny'), join(cacheDir, 'models--org--tiny', 'snapshots', commitOf('org/tiny')));
});

test('tokenize --model org/name reads the tokenizer of the hub model, from the cache when offline', { skip: SKIP_NO_SHARED }, async () => {
  const lines: string[] = [];
  useHubForModels({ env });
  await runTokenize({ model: 'org/tiny', json: true, text: 'Hello world' }, (l) => lines.push(l));
  const offline: string[] = [];
  useHubForModels({ env: { ...env, HF_HUB_OFFLINE: '1' } });
  const requests = hub.requests.length;
  await runTokenize({ model: 'org/tiny', json: true, text: 'Hello world' }, (l) => offline.push(l));
  assert.equal(hub.requests.length, requests, 'offline: no request');
  const local: string[] = [];
  await runTokenize({ model: SPIECE, json: true, text: 'Hello world' }, (l) => local.push(l));
  assert.deepEqual(lines, local);
  assert.deepEqual(offline, local);
});

test('a local folder resolves to itself', { skip: SKIP_NO_SHARED }, async () => {
  const got = await resolveModel(TINY, { env });
  assert.deepEqual(got, { dir: TINY, fromCache: false });
  assert.equal(hub.requests.length, 0);
});

test('runDownload prints progress and the snapshot folder (text and JSON lines)', { skip: SKIP_NO_SHARED }, async () => {
  const lines: string[] = [];
  await runDownload({ spec: 'org/tiny', json: false }, (l) => lines.push(l), { env });
  const dir = join(cacheDir, 'models--org--tiny', 'snapshots', commitOf('org/tiny'));
  assert.equal(lines[lines.length - 1], dir);
  assert.ok(lines.some((l) => /downloading 4 file\(s\)/.test(l)), lines.join('\n'));
  const json: string[] = [];
  await runDownload({ spec: 'org/tiny', json: true }, (l) => json.push(l), { env });
  const events = json.map((l) => JSON.parse(l) as DownloadEvent);
  const done = events[events.length - 1];
  assert.ok(done.type === 'done' && done.dir === dir && done.fromCache);
});
