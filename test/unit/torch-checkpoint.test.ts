// pytorch_model.bin without executing anything: the fixture written by torch.save must give exactly
// the tensors of model.safetensors (written by transformers), hostile pickles must be refused at the
// GLOBAL that names them, and the zip reader must handle deflated members too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../../src/core/io/safetensors';
import { gatherStrided, readPytorchBin, readPytorchShards } from '../../src/core/io/torch-checkpoint';
import { PickleError, unpickle } from '../../src/core/io/pickle';
import { ZipArchive } from '../../src/core/io/zip';
import { SHARED_DIR, SKIP_NO_SHARED } from '../support/shared';
import { readJson } from '../support/golden';
import { binunicode, pickle, zip } from '../support/torch-files';

const TINY = join(SHARED_DIR, 'fixtures', 't5-golden', 't5-v1_1-tiny');
const BIN = join(TINY, 'pytorch_model.bin');
const temp = mkdtempSync(join(tmpdir(), 'torch-bin-'));
after(() => rmSync(temp, { recursive: true, force: true }));

type Read = { name: string; shape: number[]; data: Float32Array }[];

function readAll(path: string, reader = readPytorchBin): Read {
  const out: Read = [];
  reader(path, (name, t) => out.push({ name, shape: t.shape, data: t.data }));
  return out;
}

function binFile(name: string, pkl: Buffer, storages: [string, Buffer][] = []): string {
  const path = join(temp, name);
  writeFileSync(path, zip([['archive/data.pkl', pkl], ['archive/byteorder', Buffer.from('little')], ...storages.map(([k, d]): [string, Buffer] => [`archive/data/${k}`, d])]));
  return path;
}

test('pytorch_model.bin loads to exactly the tensors of model.safetensors', { skip: SKIP_NO_SHARED }, () => {
  const reference = readSafetensors(readFileSync(join(TINY, 'model.safetensors')), 'model.safetensors').tensors;
  const torchKeys = readJson<{ formats: { pytorch_model_bin: { keys: Record<string, number[]>; keys_sharing_one_storage: string[][] } } }>(join(TINY, 'extra.json')).formats.pytorch_model_bin;
  const got = readAll(BIN);
  // Names, order and shapes as torch listed them when it wrote the file.
  assert.deepEqual(got.map((t) => [t.name, t.shape]), Object.entries(torchKeys.keys));
  const [sharing] = torchKeys.keys_sharing_one_storage;
  for (const t of got) {
    const ref = reference.get(t.name) ?? (sharing.includes(t.name) ? reference.get(sharing[0]) : undefined);
    assert.ok(ref, `${t.name} has a counterpart in model.safetensors`);
    assert.deepEqual(t.shape, ref.shape);
    assert.ok(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength)), `${t.name}: bit-identical`);
  }
  // The tied copies are separate arrays (the sink may keep them) with equal contents.
  const byName = new Map(got.map((t) => [t.name, t.data]));
  assert.notEqual(byName.get('shared.weight'), byName.get('encoder.embed_tokens.weight'));
});

test('deflated zip members read the same as stored ones', { skip: SKIP_NO_SHARED }, () => {
  const src = new ZipArchive(BIN);
  const members = [...src.entries.keys()].map((n): [string, Buffer] => [n, src.read(n, Infinity)]);
  src.close();
  const path = join(temp, 'deflated.bin');
  writeFileSync(path, zip(members, true));
  const deflated = readAll(path);
  const stored = readAll(BIN);
  assert.equal(deflated.length, stored.length);
  deflated.forEach((t, i) => assert.deepEqual(t.data, stored[i].data));
});

test('sharded pytorch checkpoints are read through their index', { skip: SKIP_NO_SHARED }, () => {
  writeFileSync(join(temp, 'shard-a.bin'), readFileSync(BIN));
  const index = join(temp, 'pytorch_model.bin.index.json');
  writeFileSync(index, JSON.stringify({ weight_map: { 'shared.weight': 'shard-a.bin' } }));
  assert.equal(readAll(index, readPytorchShards).length, 68);
});

test('malicious pickles are refused at the GLOBAL, before anything could run', () => {
  const marker = join(temp, 'pwned');
  const command = binunicode(`touch ${marker}`);
  const cases: [string, Buffer][] = [
    ['os.system', pickle(0x80, 2, 'cos\nsystem\n', command, 0x85, 'R.')],
    ['builtins.eval', pickle(0x80, 2, 'cbuiltins\neval\n', binunicode(`__import__('os').system('touch ${marker}')`), 0x85, 'R.')],
    ['posix.system', pickle(0x80, 4, 0x8c, 5, 'posix', 0x8c, 6, 'system', 0x93, command, 0x85, 'R.')],
    // Inside an otherwise normal state dict, as a value.
    ['subprocess.Popen', pickle(0x80, 2, 'ccollections\nOrderedDict\n', ')R', binunicode('x'), 'csubprocess\nPopen\n', command, 0x85, 'Rs.')],
  ];
  for (const [global, pkl] of cases) {
    const path = binFile(`evil-${global}.bin`, pkl);
    assert.throws(() => readAll(path), (err: Error) => {
      assert.ok(err instanceof PickleError, String(err));
      assert.match(err.message, new RegExp(`"${global.replace('.', '\\.')}"`));
      assert.match(err.message, /Nothing was executed/);
      return true;
    });
  }
  // Opcodes that build arbitrary objects are refused outright.
  assert.throws(() => unpickle(pickle('(ios\nsystem\n', command, '.'), { source: 'inst.pkl', findGlobal: () => undefined }), /opcode 0x69 \('i'\) is not allowed/);
  // An allowed marker (a storage type) cannot be called either.
  assert.throws(() => readAll(binFile('call-storage.bin', pickle(0x80, 2, 'ctorch\nFloatStorage\n', ')R.'))), /calls torch\.FloatStorage/);
  assert.ok(!existsSync(marker));
});

test('a strided (non-contiguous) tensor is gathered in row-major order', () => {
  // storage 0..7; a [3, 2] view with stride (1, 3) from offset 1: rows (1,4), (2,5), (3,6).
  const storage = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([...gatherStrided(storage, 1, [3, 2], [1, 3])], [1, 4, 2, 5, 3, 6]);
  assert.deepEqual([...gatherStrided(storage, 2, [2, 3], [3, 1])], [2, 3, 4, 5, 6, 7]);
  assert.throws(() => gatherStrided(storage, 3, [2, 3], [3, 1]), /reads past its storage/);
  // The same view through a whole pickle: OrderedDict{'w': _rebuild_tensor_v2(storage '0', 1, (3, 2), (1, 3), False, OrderedDict())}.
  const pkl = pickle(
    0x80, 2, 'ccollections\nOrderedDict\n', 'q', 0, ')R(', binunicode('w'),
    'ctorch._utils\n_rebuild_tensor_v2\n', '((', binunicode('storage'), 'ctorch\nFloatStorage\n', binunicode('0'), binunicode('cpu'), 'K', 8, 'tQ',
    'K', 1, 'K', 3, 'K', 2, 0x86, 'K', 1, 'K', 3, 0x86, 0x89, 'h', 0, ')RtRu.',
  );
  const path = binFile('strided.bin', pkl, [['0', Buffer.from(storage.buffer)]]);
  const [t] = readAll(path);
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual([...t.data], [1, 4, 2, 5, 3, 6]);
});

test('a truncated download fails with a clear message', { skip: SKIP_NO_SHARED }, () => {
  const path = join(temp, 'truncated.bin');
  writeFileSync(path, readFileSync(BIN).subarray(0, 100_000));
  assert.throws(() => readAll(path), /not a zip archive.*download complete/);
});
