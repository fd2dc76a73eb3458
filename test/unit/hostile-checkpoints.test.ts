// Hostile and damaged checkpoint files (issue 11 §1-2): each case below was found by hand or by
// the fuzz suite and once made a reader allocate gigabytes, run for minutes, read outside the
// model folder or fail with a TypeError. Each must now end quickly in our own error naming the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../../src/core/tf';
import { loadT5, parseT5Config, selectBackend } from '../../src/core';
import { FileFormatError } from '../../src/core/io/errors';
import { SafetensorsError, readHeader, readHeaderOf, readSafetensors, streamSafetensors, writeSafetensors } from '../../src/core/io/safetensors';
import { readShardIndex } from '../../src/core/io/shard-index';
import { unpickle } from '../../src/core/io/pickle';
import { TorchCheckpointError, readPytorchBin, readPytorchShards } from '../../src/core/io/torch-checkpoint';
import { ZipArchive, ZipError } from '../../src/core/io/zip';
import { ConfigError } from '../../src/core/t5/config';
import { TINY_T5_CONFIG, writeRandomT5 } from '../../src/core/t5/random-model';
import { pickle, torchBin, zip } from '../support/torch-files';

let tmp = '';
before(async () => {
  await selectBackend('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'pt-hostile-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A safetensors file from a header object written as given (offsets may be anything) and raw data bytes. */
function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0), lengthField?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(lengthField ?? BigInt(json.length), 0);
  json.copy(out, 8);
  Buffer.from(data).copy(out, 8 + json.length);
  return out;
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** The assertion every hostile file shares: our error type, and the message names the file. */
function refused(fn: () => unknown, path: string, pattern: RegExp, ErrorClass: new (...args: never[]) => Error = FileFormatError): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof ErrorClass, `${err.constructor.name}: ${err.message}`);
    assert.ok(err.message.includes(path), `names ${path}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('safetensors: a negative or reversed data offset is refused (it once loaded the header bytes as weights)', () => {
  const data = new Uint8Array(16);
  const negative = file('negative.safetensors', rawSafetensors({ 'shared.weight': { dtype: 'F32', shape: [4], data_offsets: [-16, 0] } }, data));
  refused(() => readSafetensors(readFileSync(negative), negative), negative, /data_offsets \[-16,0\], which are not two non-negative integers/, SafetensorsError);
  const reversed = file('reversed.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, data));
  refused(() => readHeaderOf(reversed), reversed, /end before they begin/, SafetensorsError);
});

test('safetensors: overlapping tensors are refused', () => {
  const path = file('overlap.safetensors', rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)));
  refused(() => readHeaderOf(path), path, /tensors "a" and "b" overlap/, SafetensorsError);
});

test('safetensors: a header length of 2^60 is refused before anything is allocated, without echoing the file\'s bytes', () => {
  const path = file('huge-header.safetensors', rawSafetensors({}, new Uint8Array(64), 1n << 60n));
  const before = process.memoryUsage().arrayBuffers;
  refused(() => streamSafetensors(path, () => undefined), path, /do not give a header length that fits the \d+-byte file/, SafetensorsError);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20);
  assert.doesNotMatch(String((() => { try { readHeaderOf(path); } catch (e) { return (e as Error).message; } })()), /1152921504606846976/);
});

test('safetensors: a header entry that is not an object, or fields of the wrong type, are our error (once a TypeError)', () => {
  const cases: [string, unknown, RegExp][] = [
    ['null-entry', { w: null }, /is not described by a JSON object/],
    ['no-shape', { w: { dtype: 'F32', data_offsets: [0, 4] } }, /has shape undefined/],
    ['float-shape', { w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, /has shape \[1\.5\]/],
    ['string-offsets', { w: { dtype: 'F32', shape: [1], data_offsets: '0,4' } }, /has data_offsets "0,4"/],
    ['huge-shape', { w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, /does not take the 4 bytes/],
    ['array-header', [1, 2], /not a JSON object/],
    ['metadata', { __metadata__: { format: 1 } }, /"__metadata__" must map names to strings/],
  ];
  for (const [name, header, pattern] of cases) {
    const path = file(`${name}.safetensors`, rawSafetensors(header, new Uint8Array(4)));
    refused(() => readHeader(readFileSync(path), path), path, pattern, SafetensorsError);
  }
});

test('pytorch_model.bin: a stride-0 view of a huge shape is refused before its storage is read (once: gigabytes from 530 bytes)', () => {
  const path = file('stride0.bin', torchBin({ w: { storage: new Float32Array(4), shape: [20_000, 20_000], stride: [0, 0] } }));
  const start = performance.now();
  refused(() => readPytorchBin(path, () => undefined), path, /shape \[20000,20000\] with stride \[0,0\] at offset 0 needs more than its storage of 4 elements/, TorchCheckpointError);
  assert.ok(performance.now() - start < 1000);
  const past = file('past.bin', torchBin({ w: { storage: new Float32Array(4), shape: [2], offset: 3 } }));
  refused(() => readPytorchBin(past, () => undefined), past, /needs more than its storage of 4 elements/, TorchCheckpointError);
});

/** Where the central directory entry of the only member `name` starts in a one-member archive. */
function centralEntry(archive: Buffer, name: string): number {
  return archive.length - 22 - 46 - Buffer.byteLength(name);
}

test('zip: a deflated data.pkl that declares more than a pickle may hold, or more than deflate can make, is not inflated (zip bomb)', () => {
  // 100 MB of zeros deflates to ~100 KB: declared honestly, it is still more than a state dict's pickle.
  const bomb = file('bomb.bin', zip([['archive/data.pkl', Buffer.alloc(100 * 2 ** 20)]], true));
  const before = process.memoryUsage().arrayBuffers;
  refused(() => readPytorchBin(bomb, () => undefined), bomb, /member "archive\/data\.pkl" declares 100 MiB, more than the 64 MiB expected of it/, ZipError);
  assert.ok(process.memoryUsage().arrayBuffers - before < 16 << 20, 'nothing was inflated');
  // A member declaring 2 GB from a few compressed bytes.
  const lying = zip([['archive/data.pkl', Buffer.from('x')]], true);
  lying.writeUInt32LE(2 ** 31, centralEntry(lying, 'archive/data.pkl') + 24); // its uncompressed size
  const path = file('lying.bin', lying);
  refused(() => new ZipArchive(path).read('archive/data.pkl', Infinity), path, /more than deflate can make of its \d+ compressed bytes/, ZipError);
  // A member that inflates to more than it declares stops at the declared size.
  const more = zip([['m', Buffer.alloc(1 << 20)]], true);
  more.writeUInt32LE(1000, centralEntry(more, 'm') + 24); // the central entry now declares 1000 bytes
  const archive = file('more.zip', more);
  refused(() => new ZipArchive(archive).read('m', Infinity), archive, /inflates to more than bytes, not the 1000 it declares|does not inflate/, ZipError);
});

test('zip: damaged directory records are our error, not a RangeError from a Buffer read', () => {
  const good = zip([['archive/data.pkl', Buffer.from('abc')]]);
  const cases: [string, (b: Buffer) => void][] = [
    ['name-past-end', (b) => b.writeUInt16LE(0xffff, centralEntry(b, 'archive/data.pkl') + 28)],
    ['extra-past-end', (b) => b.writeUInt16LE(0x0100, centralEntry(b, 'archive/data.pkl') + 30)],
    ['count', (b) => b.writeUInt16LE(0xfffe, b.length - 22 + 10)],
    ['zip64-no-locator', (b) => b.writeUInt32LE(0xffffffff, b.length - 22 + 16)],
    ['cd-offset', (b) => b.writeUInt32LE(0x7ffffff0, b.length - 22 + 16)],
  ];
  for (const [name, damage] of cases) {
    const bytes = Buffer.from(good);
    damage(bytes);
    const path = file(`${name}.zip`, bytes);
    refused(() => new ZipArchive(path), path, /damaged|runs past/, ZipError);
  }
});

test('pickle: a 1 MB LONG4 integer decodes in linear time (once: minutes)', { timeout: 20_000 }, () => {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(1 << 20);
  const bytes = Buffer.concat([Buffer.from([0x80, 2, 0x8b]), len, Buffer.alloc(1 << 20, 0x5a), Buffer.from('.')]);
  const start = performance.now();
  const value = unpickle(bytes, { source: 'long4.pkl', findGlobal: () => undefined });
  assert.equal(typeof value, 'bigint');
  assert.ok(performance.now() - start < 2000, `${performance.now() - start} ms`);
  assert.throws(() => unpickle(pickle('L', '1'.repeat(5000), '\n.'), { source: 'long.pkl', findGlobal: () => undefined }), /long\.pkl: .* is not a decimal integer/);
});

test('config.json: values out of range are refused naming the field, before anything is built (once: num_layers 1e7 ran 30 s and 3 GB)', () => {
  const start = performance.now();
  assert.throws(() => parseT5Config({ ...TINY_T5_CONFIG, num_layers: 10_000_000 }, 'big/config.json'), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /^big\/config\.json: "num_layers" must be an integer from 1 to 128 \(got 10000000\)/);
    return true;
  });
  assert.ok(performance.now() - start < 100);
  const refusedField = (patch: Record<string, unknown>, field: string, why: RegExp) =>
    assert.throws(() => parseT5Config({ ...TINY_T5_CONFIG, ...patch }, 'c.json'), (err: Error) => err instanceof ConfigError && err.message.includes(`"${field}"`) && why.test(err.message));
  refusedField({ decoder_start_token_id: 32128 }, 'decoder_start_token_id', /from 0 to 32127 \(got 32128\)/);
  refusedField({ eos_token_id: -1 }, 'eos_token_id', /from 0 to 32127/);
  refusedField({ pad_token_id: 1e9 }, 'pad_token_id', /from 0 to 32127/);
  refusedField({ relative_attention_max_distance: 0 }, 'relative_attention_max_distance', /from 1 to/);
  refusedField({ relative_attention_max_distance: 16 }, 'relative_attention_max_distance', /larger than half of relative_attention_num_buckets \(32\)/);
  refusedField({ d_model: 1e6 }, 'd_model', /from 1 to 16384/);
  refusedField({ layer_norm_epsilon: 0 }, 'layer_norm_epsilon', /in \(0, 1\]/);
  refusedField({ tie_word_embeddings: 'yes' }, 'tie_word_embeddings', /true or false/);
  assert.throws(() => parseT5Config({ feed_forward_proj: 'constructor' }), /feed_forward_proj "constructor" is not supported/);
});

/** A folder with index + shards; `weightMap` is written as given. */
function indexFolder(name: string, weightMap: unknown, kind: 'safetensors' | 'pytorch' = 'safetensors'): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const index = join(dir, kind === 'safetensors' ? 'model.safetensors.index.json' : 'pytorch_model.bin.index.json');
  writeFileSync(index, JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return index;
}

test('shard index: paths outside the folder, links that lead out and non-regular files are refused (safetensors and pytorch alike)', () => {
  const outside = file('outside.safetensors', writeSafetensors({ w: { shape: [1], data: new Float32Array(1) } }));
  const cases: [string, string, RegExp][] = [
    ['dotdot', '../../outside.safetensors', /climbs out of the folder with "\.\."/],
    ['absolute', '/etc/passwd', /is an absolute path/],
    ['devzero', '../../dev/zero', /climbs out of the folder/],
    ['empty', '', /not a file name/],
  ];
  for (const kind of ['safetensors', 'pytorch'] as const) {
    for (const [name, shard, pattern] of cases) {
      const index = indexFolder(`${kind}-${name}`, { w: shard }, kind);
      refused(() => readShardIndex(index), index, pattern);
      if (kind === 'pytorch') refused(() => readPytorchShards(index, () => undefined), index, pattern);
    }
    const linked = indexFolder(`${kind}-link`, { w: 'shard.bin' }, kind);
    symlinkSync(outside, join(linked, '..', 'shard.bin'));
    refused(() => readShardIndex(linked), linked, /is a link to .*outside\.safetensors, outside the folder/);
    const zero = indexFolder(`${kind}-zero-link`, { w: 'zero' }, kind);
    symlinkSync('/dev/zero', join(zero, '..', 'zero'));
    refused(() => readShardIndex(zero), zero, /outside the folder/);
  }
  const folderShard = indexFolder('folder-shard', { w: 'sub' });
  mkdirSync(join(folderShard, '..', 'sub'));
  refused(() => readShardIndex(folderShard), join(folderShard, '..', 'sub'), /is a folder, not a regular file/);
  if (process.platform !== 'win32') {
    const fifo = indexFolder('fifo-shard', { w: 'pipe' });
    execFileSync('mkfifo', [join(fifo, '..', 'pipe')]);
    refused(() => readShardIndex(fifo), join(fifo, '..', 'pipe'), /is a named pipe, not a regular file/);
  }
  const bad = indexFolder('bad-map', ['a.safetensors']);
  refused(() => readShardIndex(bad), bad, /"weight_map" .* is missing or not an object/);
});

test('shard index: a Hugging Face cache snapshot may link into its own blobs folder, and nowhere else', () => {
  const repo = join(tmp, 'hub', 'models--org--t5');
  const snapshot = join(repo, 'snapshots', 'c'.repeat(40));
  mkdirSync(snapshot, { recursive: true });
  mkdirSync(join(repo, 'blobs'));
  writeFileSync(join(repo, 'blobs', 'abc'), writeSafetensors({ w: { shape: [1], data: new Float32Array(1) } }));
  symlinkSync('../../blobs/abc', join(snapshot, 'model-00001.safetensors'));
  writeFileSync(join(snapshot, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { w: 'model-00001.safetensors' } }));
  assert.deepEqual(readShardIndex(join(snapshot, 'model.safetensors.index.json')), [join(snapshot, 'model-00001.safetensors')]);
  symlinkSync(join(tmp, 'outside.safetensors'), join(snapshot, 'model-00002.safetensors'));
  writeFileSync(join(snapshot, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { w: 'model-00002.safetensors' } }));
  assert.throws(() => readShardIndex(join(snapshot, 'model.safetensors.index.json')), /outside the folder/);
});

test('loadT5: a weights file linked to /dev/zero or outside the folder is refused', async () => {
  const dir = join(tmp, 'zero-model');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(TINY_T5_CONFIG));
  symlinkSync('/dev/zero', join(dir, 'model.safetensors'));
  await assert.rejects(loadT5(dir), (err: Error) => err instanceof FileFormatError && /outside the folder/.test(err.message));
  const configLink = join(tmp, 'config-link-model');
  mkdirSync(configLink);
  symlinkSync('/dev/zero', join(configLink, 'config.json'));
  await assert.rejects(loadT5(configLink), (err: Error) => err instanceof ConfigError && /outside the folder/.test(err.message));
});

test('loadT5: tensor shapes are checked against config.json before any tensor is built', async () => {
  const dir = join(tmp, 'mismatch');
  writeRandomT5(dir, { seed: 0, config: { vocab_size: 64 } });
  const { tensors } = readSafetensors(readFileSync(join(dir, 'model.safetensors')), 'm');
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  // The last tensor in file order has the wrong shape: a reader checking only as it decodes has built all the others.
  const names = [...tensors.keys()].sort();
  const last = names[names.length - 1];
  for (const name of names) out[name] = { shape: name === last ? [tensors.get(name)!.data.length] : tensors.get(name)!.shape, data: tensors.get(name)!.data };
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(out));
  const before = tf.memory().numTensors;
  await assert.rejects(loadT5(dir), new RegExp(`"${last.replace(/\./g, '\\.')}" has shape`));
  assert.equal(tf.memory().numTensors, before, 'no tensor was built');
});

test('loadT5 reads pytorch_model.bin with no hub call first (every format is registered by the engine)', async () => {
  const dir = join(tmp, 'torch-model');
  writeRandomT5(dir, { seed: 0, config: { vocab_size: 64 } });
  const { tensors } = readSafetensors(readFileSync(join(dir, 'model.safetensors')), 'm');
  const specs = Object.fromEntries([...tensors].map(([name, t]) => [name, { storage: t.data, shape: t.shape }]));
  writeFileSync(join(dir, 'pytorch_model.bin'), torchBin(specs));
  rmSync(join(dir, 'model.safetensors'));
  const model = await loadT5(dir);
  assert.equal(model.config.vocab_size, 64);
  model.dispose();
});
