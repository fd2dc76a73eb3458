// Hub datasets (`hf:org/name[:config][@revision][#split]`) against the local stand-in for the hub
// (hub-fake-hub.ts, 127.0.0.1 only), with Parquet files written by pyarrow (test/fixtures/parquet):
// the split's files land in huggingface_hub's cache layout (datasets--org--name) checked by sha256,
// their rows become the examples the JSON Lines twin of the same rows gives, the cache serves
// offline, the hub's Parquet conversion (refs/convert/parquet) stands in for repos without data
// files, and a damaged download is refused.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DownloadEvent, type Env } from '../../src/core/hub';
import { useHubForDatasets } from '../../src/core/hub/engine-resolver';
import { repoSplitFiles } from '../../src/core/hub/dataset-files';
import { loadData } from '../../src/core/training/data/source';
import { loadExamples, type DataSpec, type LoadedData } from '../../src/core/training/data/dataset';
import type { DataRole } from '../../src/core/dataset-spec';
import { REPO_ROOT, SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';
import { selectBackend } from '../../src/core';
import { train } from '../../src/core/training/trainer';
import { resolveRunSettings } from '../../src/core/settings/run-settings';
import type { TrainEvent } from '../../src/core/training/events';
import { exportPeftJob, JobExportError } from '../../src/core/peft-job/export-job';
import { FakeHub, commitOf, sha256, hubRejection } from './hub-fake-hub';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'parquet');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const TOKEN = 'hf_DatasetSecretToken0123456789';
const RTE: DataSpec = { template: 'premise: {sentence1} hypothesis: {sentence2}', targetField: 'label', verbalizer: '0=entailment,1=not_entailment' };
const CONVERTED = 'refs/convert/parquet';

let hub: FakeHub;
let cacheDir: string;
const temps: string[] = [];

function hubEnv(extra: Env = {}): Env {
  // HF_HOME inside the temp dir, so no real token file is read.
  return { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cacheDir, HF_HOME: join(cacheDir, 'home'), ...extra };
}

async function load(value: string, role: DataRole, spec: DataSpec, env: Env = hubEnv(), events: DownloadEvent[] = []): Promise<LoadedData> {
  useHubForDatasets({ env, onEvent: (e) => events.push(e), retryDelayMs: 5 });
  return loadData(value, role, spec);
}

/** What the JSON Lines files (written by Python from pyarrow's rows) give, in order. */
function jsonlExamples(...files: string[]): [string, string][] {
  return files.flatMap((f) => loadExamples(join(FIXTURES, f), RTE).examples.map((e): [string, string] => [e.input, e.target]));
}

const pairs = (d: LoadedData) => d.examples.map((e): [string, string] => [e.input, e.target]);


async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

before(async () => {
  const train = fixture('rte-train.parquet');
  const validation = fixture('rte-validation.parquet');
  hub = await FakeHub.start([
    {
      id: 'org/rte',
      type: 'dataset',
      files: {
        'README.md': Buffer.from('# rte\n'),
        'data/train-00000-of-00002.parquet': train,
        'data/train-00001-of-00002.parquet': validation,
        'data/validation-00000-of-00001.parquet': validation,
      },
    },
    // A model of the same name: datasets and models are separate namespaces.
    { id: 'org/rte', files: { 'config.json': Buffer.from('{}') } },
    {
      id: 'org/glue',
      type: 'dataset',
      files: {
        'rte/train-00000-of-00001.parquet': train,
        'rte/validation-00000-of-00001.parquet': validation,
        'cola/train-00000-of-00001.parquet': fixture('types-snappy.parquet'),
      },
    },
    {
      id: 'org/scripted',
      type: 'dataset',
      // A loading script beside metadata (JSON, but not data): the conversion is read.
      files: { 'scripted.py': Buffer.from('import datasets\n'), 'README.md': Buffer.from('# scripted\n'), 'dataset_infos.json': Buffer.from('{}'), 'data/raw.csv': Buffer.from('a,b\n1,2\n') },
      branches: { [CONVERTED]: { 'default/train/0000.parquet': train, 'default/validation/0000.parquet': validation } },
    },
    {
      id: 'org/oldconv',
      type: 'dataset',
      files: { 'oldconv.py': Buffer.from('import datasets\n') },
      branches: { [CONVERTED]: { 'plain_text/oldconv-train.parquet': train, 'plain_text/oldconv-validation.parquet': validation } },
    },
    {
      id: 'org/private-csv',
      type: 'dataset',
      privateToken: TOKEN,
      files: { 'train.csv': Buffer.from('text,label\nhello,greeting\nbye,farewell\n') },
    },
  ]);
});

beforeEach(() => {
  hub.reset();
  cacheDir = mkdtempSync(join(tmpdir(), 'hub-datasets-test-'));
  temps.push(cacheDir);
});

after(async () => {
  await hub?.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

test('the train split of a sharded dataset: only its files, in the huggingface_hub layout, rows as pyarrow wrote them', async () => {
  const events: DownloadEvent[] = [];
  const data = await load('hf:org/rte', 'train', RTE, hubEnv(), events);
  assert.equal(data.file, 'hf:org/rte#train');
  assert.deepEqual(pairs(data), jsonlExamples('rte-train.jsonl', 'rte-validation.jsonl'));
  const root = join(cacheDir, 'datasets--org--rte');
  const commit = commitOf('org/rte');
  assert.equal(readFileSync(join(root, 'refs', 'main'), 'utf8'), commit);
  for (const [file, name] of [['data/train-00000-of-00002.parquet', 'rte-train.parquet'], ['data/train-00001-of-00002.parquet', 'rte-validation.parquet']] as const) {
    const pointer = join(root, 'snapshots', commit, file);
    assert.ok(lstatSync(pointer).isSymbolicLink());
    const digest = sha256(fixture(name));
    assert.equal(readlinkSync(pointer), join('..', '..', '..', 'blobs', digest));
    assert.deepEqual(readFileSync(pointer), fixture(name));
  }
  // The validation split was not asked for, so it was not fetched.
  assert.ok(!existsSync(join(root, 'snapshots', commit, 'data', 'validation-00000-of-00001.parquet')));
  assert.deepEqual(hub.requests.filter((r) => r.server === 'hub' && r.method === 'GET').map((r) => r.url), ['/api/datasets/org/rte/revision/main']);
  assert.ok(events.some((e) => e.type === 'done' && !e.fromCache));
  // The error rows name the snapshot file and row.
  assert.match(data.examples[0]?.source.file ?? '', /datasets--org--rte\/snapshots\/[0-9a-f]{40}\/data\/train-00000-of-00002\.parquet$/);
});

test('valid and eval read the validation split by default; #split names another', async () => {
  assert.deepEqual(pairs(await load('hf:org/rte', 'valid', RTE)), jsonlExamples('rte-validation.jsonl'));
  assert.deepEqual(pairs(await load('hf:org/rte', 'eval', RTE)), jsonlExamples('rte-validation.jsonl'));
  assert.deepEqual(pairs(await load('hf:org/rte#train', 'eval', RTE)), jsonlExamples('rte-train.jsonl', 'rte-validation.jsonl'));
  const err = await hubRejection(load('hf:org/rte#test', 'train', RTE));
  assert.equal(err.code, 'file-not-found');
  assert.match(err.message, /hf:org\/rte#test has no "test" split \(splits: train, validation\)/);
});

test('offline: the cached split is read without a request; a split never downloaded is named', async () => {
  const online = pairs(await load('hf:org/rte', 'train', RTE));
  hub.reset();
  const offline = hubEnv({ HF_HUB_OFFLINE: '1', HF_ENDPOINT: `http://127.0.0.1:${await closedPort()}` });
  assert.deepEqual(pairs(await load('hf:org/rte', 'train', RTE, offline)), online);
  assert.deepEqual(hub.requests, []);
  const err = await hubRejection(load('hf:org/rte', 'valid', RTE, offline));
  assert.equal(err.code, 'offline');
  assert.match(err.message, /HF_HUB_OFFLINE is set and hf:org\/rte#validation is not in the cache/);
  // Unreachable without HF_HUB_OFFLINE: the cache is used, and said so.
  const events: DownloadEvent[] = [];
  const down = hubEnv({ HF_ENDPOINT: `http://127.0.0.1:${await closedPort()}` });
  assert.deepEqual(pairs(await load('hf:org/rte', 'train', RTE, down, events)), online);
  assert.ok(events.some((e) => e.type === 'note' && /unreachable; using the cached hf:org\/rte#train/.test(e.message)));
  assert.equal((await hubRejection(load('hf:org/glue:rte', 'train', RTE, down))).code, 'network');
});

test('a cache missing one shard of the split is not taken for the split', async () => {
  await load('hf:org/rte', 'train', RTE);
  const snapshot = join(cacheDir, 'datasets--org--rte', 'snapshots', commitOf('org/rte'));
  rmSync(join(snapshot, 'data', 'train-00001-of-00002.parquet'));
  const err = await hubRejection(load('hf:org/rte', 'train', RTE, hubEnv({ HF_HUB_OFFLINE: '1' })));
  assert.equal(err.code, 'offline');
  assert.match(err.message, /Missing: data\/train-00001-of-00002\.parquet/);
});

test('a repo without data files is read from its Parquet conversion (refs/convert/parquet), online and offline', async () => {
  const events: DownloadEvent[] = [];
  assert.deepEqual(pairs(await load('hf:org/scripted', 'valid', RTE, hubEnv(), events)), jsonlExamples('rte-validation.jsonl'));
  assert.ok(events.some((e) => e.type === 'note' && e.message.includes(CONVERTED)));
  const root = join(cacheDir, 'datasets--org--scripted');
  // refs/<revision> as huggingface_hub writes it for a revision with slashes.
  assert.equal(readFileSync(join(root, 'refs', 'refs', 'convert', 'parquet'), 'utf8'), commitOf('org/scripted', CONVERTED));
  assert.deepEqual(readdirSync(join(root, 'snapshots', commitOf('org/scripted', CONVERTED), 'default')), ['validation']);
  assert.ok(hub.requests.some((r) => r.url === `/api/datasets/org/scripted/revision/${encodeURIComponent(CONVERTED)}`));
  hub.reset();
  assert.deepEqual(pairs(await load('hf:org/scripted', 'valid', RTE, hubEnv({ HF_HUB_OFFLINE: '1' }))), jsonlExamples('rte-validation.jsonl'));
  assert.deepEqual(hub.requests, []);
  // The older layout <config>/<name>-<split>.parquet, its config named.
  assert.deepEqual(pairs(await load('hf:org/oldconv:plain_text', 'train', RTE)), jsonlExamples('rte-train.jsonl'));
  // Asked for by name, the conversion works for any repo.
  assert.deepEqual(pairs(await load(`hf:org/scripted@${CONVERTED}`, 'train', RTE)), jsonlExamples('rte-train.jsonl'));
});

test('configurations: <config>/ folders must be chosen, and the chosen one is read', async () => {
  const err = await hubRejection(load('hf:org/glue', 'train', RTE));
  assert.match(err.message, /has several configurations \(cola, rte\): name one after ":", e\.g\. hf:org\/glue:cola#train/);
  assert.deepEqual(pairs(await load('hf:org/glue:rte', 'valid', RTE)), jsonlExamples('rte-validation.jsonl'));
  const none = await hubRejection(load('hf:org/glue:mnli', 'train', RTE));
  assert.match(none.message, /no configuration "mnli" \(configurations: cola, rte\)/);
});

test('a download whose sha256 differs from the hub\'s is refused and nothing is kept', async () => {
  hub.faults.corrupt = 'data/train-00000-of-00002.parquet';
  const err = await hubRejection(load('hf:org/rte', 'train', RTE));
  assert.equal(err.code, 'checksum');
  assert.match(err.message, /data\/train-00000-of-00002\.parquet of org\/rte: sha256 of the downloaded bytes is [0-9a-f]{64}, but the hub says [0-9a-f]{64}/);
  const blobs = join(cacheDir, 'datasets--org--rte', 'blobs');
  assert.deepEqual(readdirSync(blobs).filter((b) => b.startsWith(sha256(fixture('rte-train.parquet')))), []);
});

test('a split larger than a data set may be is refused before any of it is downloaded', async () => {
  hub.faults.announce = { file: 'data/train-00001-of-00002.parquet', size: 300 * 2 ** 20 };
  const err = await hubRejection(load('hf:org/rte', 'train', RTE));
  assert.equal(err.code, 'too-large');
  assert.match(err.message, /^hf:org\/rte#train is 300 MiB in 2 files, more than the 256 MiB a data set may have/);
  assert.deepEqual(hub.requests.filter((r) => r.server === 'cdn'), []);
});

test('HF_TOKEN opens a private dataset; CSV files are read as local ones are', async () => {
  const denied = await hubRejection(load('hf:org/private-csv', 'train', {}));
  assert.equal(denied.code, 'repo-not-found');
  assert.match(denied.message, /If the dataset is private or gated, set HF_TOKEN/);
  hub.reset();
  const data = await load('hf:org/private-csv', 'train', {}, hubEnv({ HF_TOKEN: TOKEN }));
  assert.deepEqual(pairs(data), [['hello', 'greeting'], ['bye', 'farewell']]);
  assert.ok(hub.requests.filter((r) => r.server === 'hub').every((r) => r.authorization === `Bearer ${TOKEN}`));
});

test('a run trains on a hub dataset: train and validation splits through the trainer, the hf: value kept in the run', { skip: SKIP_NO_SHARED }, async () => {
  await selectBackend();
  useHubForDatasets({ env: hubEnv() });
  const out = join(cacheDir, 'run');
  const events: TrainEvent[] = [];
  const options = resolveRunSettings({ model: tinyModelDir(), train: 'hf:org/rte', valid: 'hf:org/rte', out, ...RTE, steps: 2, evalEvery: 2, batchSize: 2, promptLength: 2, maxInputLength: 48, seed: 1 });
  const done = await train(options, { onEvent: (e) => events.push(e) });
  assert.equal(done.status, 'completed');
  const started = events.find((e) => e.type === 'started');
  assert.ok(started?.type === 'started');
  // train: both shards of the train split (5 + 2 rows); valid: the validation split (2 rows).
  assert.equal(started.trainExamples, jsonlExamples('rte-train.jsonl', 'rte-validation.jsonl').length);
  assert.equal(started.validExamples, jsonlExamples('rte-validation.jsonl').length);
  assert.deepEqual(started.labels, ['entailment', 'not_entailment']);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { options: { train: string; valid: string } };
  assert.deepEqual([run.options.train, run.options.valid], ['hf:org/rte', 'hf:org/rte']);
  // The PEFT job gets the rows the run read from the hub (train.py needs no datasets library): those of the fixtures' JSON Lines twins.
  const { dir: job, job: settings } = await exportPeftJob(out, join(cacheDir, 'job'));
  const jobRows = (name: string) => readFileSync(join(job, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { input: string; target: string }).map((r) => [r.input, r.target]);
  assert.deepEqual(jobRows(settings.data.train), jsonlExamples('rte-train.jsonl', 'rte-validation.jsonl'));
  assert.deepEqual(jobRows(settings.data.valid!), jsonlExamples('rte-validation.jsonl'));
  assert.deepEqual([settings.data.inputField, settings.data.targetField, settings.data.template, settings.data.verbalizer, settings.data.resolvedFrom], ['input', 'target', undefined, undefined, { train: 'hf:org/rte', valid: 'hf:org/rte', template: RTE.template, verbalizer: RTE.verbalizer, task: undefined }]);
});

test('export-job refuses a run whose data no longer gives the rows it trained on', { skip: SKIP_NO_SHARED }, async () => {
  await selectBackend();
  const trainFile = join(cacheDir, 'moving.parquet');
  copyFileSync(join(FIXTURES, 'rte-train.parquet'), trainFile);
  const out = join(cacheDir, 'moving-run');
  const done = await train(resolveRunSettings({ model: tinyModelDir(), train: trainFile, out, ...RTE, steps: 1, evalEvery: 1, batchSize: 2, promptLength: 2, maxInputLength: 48, seed: 1 }), { onEvent: () => undefined });
  assert.equal(done.status, 'completed');
  copyFileSync(join(FIXTURES, 'rte-validation.parquet'), trainFile);
  await assert.rejects(exportPeftJob(out, join(cacheDir, 'moving-job')), (err: Error) => err instanceof JobExportError && /no longer gives the rows the run trained on .*Pin the revision the run used/.test(err.message));
});

test('prompt-tune eval --data hf:... reads the validation split through the CLI\'s hub client', { skip: SKIP_NO_SHARED }, async () => {
  const args = ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), 'eval', '--model', tinyModelDir(), '--data', 'hf:org/rte', '--template', RTE.template as string, '--target-field', 'label', '--verbalizer', RTE.verbalizer as string, '--json'];
  // Asynchronous: the fake hub answers from this process while the CLI runs.
  const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...hubEnv(), PROMPT_TUNER_BACKEND: process.env.PROMPT_TUNER_BACKEND ?? 'wasm' } });
  const last = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { n: number };
  assert.equal(last.n, jsonlExamples('rte-validation.jsonl').length, stderr);
  assert.ok(existsSync(join(cacheDir, 'datasets--org--rte', 'snapshots', commitOf('org/rte'), 'data', 'validation-00000-of-00001.parquet')));
});

test('split files by the naming conventions of HF datasets', () => {
  const spec = { repo: 'org/x', revision: 'main' };
  const split = (files: string[], name: string) => repoSplitFiles(files, spec, name);
  // Examples of the datasets documentation ("Structure your repository").
  assert.deepEqual(split(['train.csv', 'test.csv', 'README.md'], 'test'), ['test.csv']);
  assert.deepEqual(split(['data/train.csv', 'data/test.csv', 'data/validation.csv'], 'validation'), ['data/validation.csv']);
  assert.deepEqual(split(['data/train/a.csv', 'data/train/b.csv', 'data/dev/c.csv'], 'train'), ['data/train/a.csv', 'data/train/b.csv']);
  assert.deepEqual(split(['data/train/a.csv', 'data/dev/c.csv'], 'validation'), ['data/dev/c.csv']);
  assert.deepEqual(split(['my_train_file.csv', 'my_test_file.csv'], 'train'), ['my_train_file.csv']);
  assert.deepEqual(split(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet', 'data/random-00000-of-00001.parquet'], 'random'), ['data/random-00000-of-00001.parquet']);
  // No split in any name: everything is train.
  assert.deepEqual(split(['data.csv', 'more/rows.jsonl'], 'train'), ['data.csv', 'more/rows.jsonl']);
  // A keyword inside a word is no split name; hidden files are never data.
  assert.throws(() => split(['trainer.csv', 'test.csv', '.hidden/train.csv'], 'train'), /has no "train" split \(splits: test\)/);
});
