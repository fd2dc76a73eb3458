// Reads pytorch_model.bin (torch.save of a state dict: a zip holding data.pkl plus one raw member
// data/<key> per storage) without executing anything: data.pkl goes through the restricted
// unpickler with the few globals a state dict needs, and each tensor is cut out of its storage
// (offset, shape, stride) as float32. Every tensor view is checked against its storage before any
// storage is read: its elements must fit the storage's (a stride-0 view of a huge shape would
// otherwise allocate gigabytes from a few bytes) and its last element must lie inside it.
import { closeSync, readSync } from 'node:fs';
import { DTYPE_BYTES, decodeToFloat32, type DType } from './dtypes';
import { FileFormatError, quote } from './errors';
import { MIB, openRegularFile } from './file-access';
import { PyCallable, PyDict, PyOpaque, PyTuple, unpickle, type PickleValue } from './pickle';
import { readShardIndex } from './shard-index';
import type { TensorInfo, TensorSink } from './tensor-sink';
import { ZipArchive, ZipError } from './zip';

export const PYTORCH_WEIGHTS = 'pytorch_model.bin';
export const PYTORCH_INDEX = 'pytorch_model.bin.index.json';

export class TorchCheckpointError extends FileFormatError {}

/** A state dict's pickle holds names, shapes and strides only (t5-11b's: well under 1 MB). */
const MAX_PICKLE_BYTES = 64 * MIB;
/** More dimensions than any tensor has; bounds the work per view. */
const MAX_DIMS = 16;

const STORAGE_TYPES: Record<string, DType> = {
  FloatStorage: 'f32',
  DoubleStorage: 'f64',
  HalfStorage: 'f16',
  BFloat16Storage: 'bf16',
  LongStorage: 'i64',
  IntStorage: 'i32',
  ShortStorage: 'i16',
  CharStorage: 'i8',
  ByteStorage: 'u8',
  BoolStorage: 'bool',
};

interface StorageRef {
  key: string;
  dtype: DType;
  numel: number;
}

interface TensorRef {
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

const REFUSAL_HINT =
  'A state dict only holds tensors; this file may be malicious (torch.load(weights_only=True) refuses it too). ' +
  'Use model.safetensors from a source you trust.';

function ints(v: PickleValue, what: string, file: string): number[] {
  if (!(v instanceof PyTuple) || v.items.length > MAX_DIMS || !v.items.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    throw new TorchCheckpointError(file, `${file}: ${what} is not a tuple of at most ${MAX_DIMS} non-negative integers.`);
  }
  return v.items as number[];
}

function count(v: PickleValue, what: string, file: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new TorchCheckpointError(file, `${file}: ${what} is not a non-negative integer.`);
  return v;
}

/** Refuses a view that reads outside its storage or has more elements than the storage (checked without overflow). */
function checkView(t: TensorRef, where: string, file: string): void {
  const { storage, offset, shape, stride } = t;
  if (shape.includes(0)) return;
  let numel = 1;
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    numel *= shape[d];
    last += (shape[d] - 1) * stride[d];
  }
  if (numel > storage.numel || last >= storage.numel) {
    throw new TorchCheckpointError(
      file,
      `${where}: shape [${shape}] with stride [${stride}] at offset ${offset} needs more than its storage of ${storage.numel} elements holds; the file is damaged or malicious.`,
    );
  }
}

/** The globals a torch state dict may name; everything else is refused by the unpickler. */
function stateDictGlobals(file: string): (module: string, name: string) => PyCallable | undefined {
  const rebuildTensor = new PyCallable('torch._utils._rebuild_tensor_v2', (args) => {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof PyOpaque) || storage.tag !== 'storage') throw new TorchCheckpointError(file, `${file}: a tensor is not backed by a storage.`);
    const shape = ints(size, 'a tensor size', file);
    const strides = ints(stride, 'a tensor stride', file);
    if (shape.length !== strides.length) throw new TorchCheckpointError(file, `${file}: a tensor has ${shape.length} sizes but ${strides.length} strides.`);
    const ref: TensorRef = { storage: storage.value as StorageRef, offset: count(offset, 'a storage offset', file), shape, stride: strides };
    return new PyOpaque('tensor', ref);
  });
  // nn.Parameter wraps a tensor; the wrapper carries nothing the weights need.
  const rebuildParameter = new PyCallable('torch._utils._rebuild_parameter', (args) => args[0] ?? null);
  const orderedDict = new PyCallable('collections.OrderedDict', (args) => {
    const d = new PyDict();
    const pairs = args[0];
    if (Array.isArray(pairs)) {
      for (const p of pairs) if (p instanceof PyTuple && p.items.length === 2 && typeof p.items[0] === 'string') d.entries.set(p.items[0], p.items[1]);
    }
    return d;
  });
  return (module, name) => {
    if (module === 'collections' && name === 'OrderedDict') return orderedDict;
    if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return rebuildTensor;
    if (module === 'torch._utils' && (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state')) return rebuildParameter;
    if (module === 'torch' && name in STORAGE_TYPES) {
      // A storage type is only a marker inside persistent ids; calling it is refused.
      return new PyCallable(`torch.${name}`, () => {
        throw new TorchCheckpointError(file, `${file}: the pickle calls torch.${name}, which a state dict never does. ${REFUSAL_HINT}`);
      });
    }
    return undefined;
  };
}

function storageLoader(file: string): (pid: PickleValue) => PickleValue {
  return (pid) => {
    // ('storage', storage_type, key, location, numel)
    if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage' || pid.items.length < 5) {
      throw new TorchCheckpointError(file, `${file}: unknown persistent id in data.pkl; only tensor storages are expected.`);
    }
    const [, type, key, , numel] = pid.items;
    const name = type instanceof PyCallable ? type.qualifiedName.replace(/^torch\./, '') : '';
    const dtype = STORAGE_TYPES[name];
    if (!dtype) throw new TorchCheckpointError(file, `${file}: a storage of unsupported type "${name || 'unknown'}".`);
    if (typeof key !== 'string') throw new TorchCheckpointError(file, `${file}: a storage key is not a string.`);
    const ref: StorageRef = { key, dtype, numel: count(numel, 'a storage size', file) };
    return new PyOpaque('storage', ref);
  };
}

/**
 * The state dict of a pickle (data.pkl's bytes): tensor views in the dict's order, each checked to
 * stay inside its storage. `source` names the pickle in errors.
 */
export function unpickleStateDict(bytes: Uint8Array, file: string, source = file): [string, TensorRef][] {
  const root = unpickle(bytes, { source, findGlobal: stateDictGlobals(file), persistentLoad: storageLoader(file), refusalHint: REFUSAL_HINT });
  if (!(root instanceof PyDict)) throw new TorchCheckpointError(file, `${file}: data.pkl does not hold a state dict (name -> tensor).`);
  const tensors: [string, TensorRef][] = [];
  for (const [name, value] of root.entries) {
    if (typeof name !== 'string' || !(value instanceof PyOpaque) || value.tag !== 'tensor') {
      throw new TorchCheckpointError(file, `${file}: entry ${quote(String(name))} of the state dict is not a tensor; expected a plain state dict as transformers saves it.`);
    }
    const ref = value.value as TensorRef;
    checkView(ref, `${file}: tensor ${quote(name)}`, file);
    tensors.push([name, ref]);
  }
  return tensors;
}

/**
 * The elements of a strided view as a dense row-major array:
 * out[i0, i1, ...] = storage[offset + i0 * stride[0] + i1 * stride[1] + ...].
 * The view must lie inside the storage (unpickleStateDict checks it; this checks again).
 */
export function gatherStrided(storage: Float32Array, offset: number, shape: number[], stride: number[], where = 'tensor'): Float32Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return new Float32Array(0);
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (last >= storage.length || numel > storage.length) {
    throw new RangeError(`${where}: shape [${shape}] with stride [${stride}] at offset ${offset} reads past its storage of ${storage.length} elements`);
  }
  let contiguous = true;
  for (let d = shape.length - 1, expect = 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expect) contiguous = false;
    expect *= shape[d];
  }
  if (contiguous) return storage.slice(offset, offset + numel);
  const out = new Float32Array(numel);
  const index = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let i = 0; i < numel; i++) {
    out[i] = storage[src];
    // Odometer over the index, innermost dimension fastest.
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) {
        src += stride[d];
        break;
      }
      src -= (shape[d] - 1) * stride[d];
      index[d] = 0;
    }
  }
  return out;
}

function findPickle(zip: ZipArchive): { pickle: string; prefix: string } {
  for (const name of zip.entries.keys()) {
    if (name === 'data.pkl' || name.endsWith('/data.pkl')) return { pickle: name, prefix: name.slice(0, -'data.pkl'.length) };
  }
  throw new TorchCheckpointError(zip.path, `${zip.path}: a zip archive without data.pkl; this is not a torch checkpoint.`);
}

function startsLikeLegacyTorch(path: string): boolean {
  const head = Buffer.alloc(2);
  const { fd } = openRegularFile(path, { maxBytes: Number.MAX_SAFE_INTEGER, what: 'a pytorch_model.bin' }, TorchCheckpointError);
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  return head[0] === 0x80 && head[1] === 0x02; // a bare pickle, protocol 2: torch.save before 1.6
}

function openTorchZip(path: string): ZipArchive {
  try {
    return new ZipArchive(path);
  } catch (err) {
    // A file that is not regular was refused before it was opened; only a readable file gets here.
    if (err instanceof ZipError && startsLikeLegacyTorch(path)) {
      throw new TorchCheckpointError(path, `${path}: written in torch's legacy (pre-1.6) format, which is not supported. Use the checkpoint's model.safetensors instead, or re-save it with a current torch.`);
    }
    throw err;
  }
}

/** Opens the archive, checks its byte order and reads its state dict; `use` gets both, the archive is closed after. */
function withStateDict<T>(path: string, use: (zip: ZipArchive, prefix: string, tensors: [string, TensorRef][]) => T): T {
  const zip = openTorchZip(path);
  try {
    const { pickle, prefix } = findPickle(zip);
    const order = zip.entries.has(`${prefix}byteorder`) ? zip.read(`${prefix}byteorder`, 16).toString('latin1').trim() : 'little';
    if (order !== 'little') throw new TorchCheckpointError(path, `${path}: tensors are stored ${quote(order)}-endian; only little-endian checkpoints are supported.`);
    return use(zip, prefix, unpickleStateDict(zip.read(pickle, MAX_PICKLE_BYTES), path, `${path} (${pickle})`));
  } finally {
    zip.close();
  }
}

/** Names and shapes of the tensors of one pytorch_model.bin, from its pickle alone (no tensor data is read). */
export function listPytorchBin(path: string): TensorInfo[] {
  return withStateDict(path, (_zip, _prefix, tensors) => tensors.map(([name, t]) => ({ name, shape: [...t.shape], file: path })));
}

/** Streams every tensor of one pytorch_model.bin to `sink`, in the state dict's order. */
export function readPytorchBin(path: string, sink: TensorSink): void {
  withStateDict(path, (zip, prefix, tensors) => {
    // Tied weights share one storage: decode it once and keep it until its last tensor is out.
    const uses = new Map<string, number>();
    for (const [, t] of tensors) uses.set(t.storage.key, (uses.get(t.storage.key) ?? 0) + 1);
    const decoded = new Map<string, Float32Array>();
    for (const [name, t] of tensors) {
      const { key, dtype, numel } = t.storage;
      let storage = decoded.get(key);
      if (!storage) {
        const member = `${prefix}data/${key}`;
        const bytes = numel * DTYPE_BYTES[dtype];
        const raw = zip.read(member, bytes);
        if (raw.length < bytes) {
          throw new TorchCheckpointError(path, `${path}: storage ${member} has ${raw.length} bytes but ${numel} elements of ${DTYPE_BYTES[dtype]} bytes are declared; the file is truncated.`);
        }
        storage = decodeToFloat32(raw, dtype, numel);
        decoded.set(key, storage);
      } else if (storage.length !== numel) {
        throw new TorchCheckpointError(path, `${path}: storage ${key} is declared with ${numel} and with ${storage.length} elements; the file is damaged.`);
      }
      const left = (uses.get(key) ?? 1) - 1;
      uses.set(key, left);
      if (left === 0) decoded.delete(key);
      sink(name, { shape: [...t.shape], data: gatherStrided(storage, t.offset, t.shape, t.stride, `${path}: tensor "${name}"`) }, path);
    }
  });
}

/** Names and shapes of a sharded pytorch checkpoint's tensors (pytorch_model.bin.index.json + shards). */
export function listPytorchShards(indexPath: string): TensorInfo[] {
  return readShardIndex(indexPath).flatMap(listPytorchBin);
}

/** Streams the tensors of a sharded pytorch checkpoint (pytorch_model.bin.index.json + shards). */
export function readPytorchShards(indexPath: string, sink: TensorSink): void {
  for (const shard of readShardIndex(indexPath)) readPytorchBin(shard, sink);
}
