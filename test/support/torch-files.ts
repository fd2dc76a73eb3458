// Builders for torch checkpoints in tests: a minimal zip writer, pickle opcodes, and a whole
// pytorch_model.bin holding a state dict of float32 tensors (as torch.save writes it).
import { crc32, deflateRawSync } from 'node:zlib';

/** A minimal zip writer (stored or deflated members), to build test archives. */
export function zip(members: [string, Buffer][], deflate = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const body = deflate ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** Pickle bytes from opcodes: strings are written as-is (latin1), numbers as single bytes. */
export function pickle(...parts: (string | number | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

export function binunicode(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(b.length);
  return Buffer.concat([Buffer.from('X'), len, b]);
}

/** BININT (4-byte signed), enough for any shape or stride in a test. */
function int(n: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = 0x4a;
  b.writeInt32LE(n, 1);
  return b;
}

function tuple(items: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from('('), ...items, Buffer.from('t')]);
}

export interface TorchTensorSpec {
  /** Storage values (float32). */
  storage: Float32Array;
  shape: number[];
  /** Row-major by default. */
  stride?: number[];
  offset?: number;
  /** Storage key; tensors with the same key share one storage. */
  key?: string;
  /** The element count the persistent id declares (default: the storage's length). */
  numel?: number;
}

/** data.pkl of OrderedDict{name: _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())}. */
export function stateDictPickle(tensors: Record<string, TorchTensorSpec>): Buffer {
  const parts: Buffer[] = [pickle(0x80, 2, 'ccollections\nOrderedDict\n', ')R(')];
  Object.entries(tensors).forEach(([name, t], i) => {
    const stride = t.stride ?? t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const storage = tuple([binunicode('storage'), pickle('ctorch\nFloatStorage\n'), binunicode(t.key ?? String(i)), binunicode('cpu'), int(t.numel ?? t.storage.length)]);
    parts.push(
      binunicode(name),
      pickle('ctorch._utils\n_rebuild_tensor_v2\n', '('),
      pickle(storage, 'Q'), // the persistent id tuple, then BINPERSID
      int(t.offset ?? 0),
      tuple(t.shape.map(int)),
      tuple(stride.map(int)),
      pickle(0x89, 'ccollections\nOrderedDict\n', ')R', 't', 'R'),
    );
  });
  parts.push(pickle('u.'));
  return Buffer.concat(parts);
}

/** A pytorch_model.bin (zip with archive/data.pkl, archive/byteorder, archive/data/<key>). */
export function torchBin(tensors: Record<string, TorchTensorSpec>, opts: { deflate?: boolean; pickleBytes?: Buffer } = {}): Buffer {
  const storages = new Map<string, Float32Array>();
  Object.entries(tensors).forEach(([, t], i) => storages.set(t.key ?? String(i), t.storage));
  return zip(
    [
      ['archive/data.pkl', opts.pickleBytes ?? stateDictPickle(tensors)],
      ['archive/byteorder', Buffer.from('little')],
      ...[...storages].map(([k, s]): [string, Buffer] => [`archive/data/${k}`, Buffer.from(s.buffer, s.byteOffset, s.byteLength)]),
    ],
    opts.deflate,
  );
}
