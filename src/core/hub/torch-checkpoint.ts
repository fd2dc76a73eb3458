// Reads pytorch_model.bin (torch.save of a state dict: a zip holding data.pkl plus one raw member
// data/<key> per storage) without executing anything: data.pkl goes through the restricted
// unpickler with the few globals a state dict needs, and each tensor is cut out of its storage
// (offset, shape, stride) as float32. Registered with the engine by registerPytorchFormat().
import { closeSync, openSync, readSync } from 'node:fs';
import { readShardIndex, registerCheckpointFormat, type TensorSink } from '../t5/checkpoint';
import { PickleError, PyCallable, PyDict, PyOpaque, PyTuple, unpickle, type PickleValue } from './pickle';
import { ZipArchive } from './zip';
import { decodeToFloat32, type DType } from '../io/dtypes';

export const PYTORCH_WEIGHTS = 'pytorch_model.bin';
export const PYTORCH_INDEX = 'pytorch_model.bin.index.json';

export class TorchCheckpointError extends Error {}

const STORAGE_TYPES: Record<string, { dtype: DType; bytes: number }> = {
  FloatStorage: { dtype: 'f32', bytes: 4 },
  DoubleStorage: { dtype: 'f64', bytes: 8 },
  HalfStorage: { dtype: 'f16', bytes: 2 },
  BFloat16Storage: { dtype: 'bf16', bytes: 2 },
  LongStorage: { dtype: 'i64', bytes: 8 },
  IntStorage: { dtype: 'i32', bytes: 4 },
  ShortStorage: { dtype: 'i16', bytes: 2 },
  CharStorage: { dtype: 'i8', bytes: 1 },
  ByteStorage: { dtype: 'u8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

interface StorageRef {
  key: string;
  dtype: DType;
  bytes: number;
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
  if (!(v instanceof PyTuple) || !v.items.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
    throw new TorchCheckpointError(`${file}: ${what} is not a tuple of non-negative integers.`);
  }
  return v.items as number[];
}

function count(v: PickleValue, what: string, file: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TorchCheckpointError(`${file}: ${what} is not a non-negative integer.`);
  return v;
}

/** The globals a torch state dict may name; everything else is refused by the unpickler. */
function stateDictGlobals(file: string): (module: string, name: string) => PyCallable | undefined {
  const rebuildTensor = new PyCallable('torch._utils._rebuild_tensor_v2', (args) => {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof PyOpaque) || storage.tag !== 'storage') throw new TorchCheckpointError(`${file}: a tensor is not backed by a storage.`);
    const shape = ints(size, 'a tensor size', file);
    const strides = ints(stride, 'a tensor stride', file);
    if (shape.length !== strides.length) throw new TorchCheckpointError(`${file}: a tensor has ${shape.length} sizes but ${strides.length} strides.`);
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
        throw new TorchCheckpointError(`${file}: the pickle calls torch.${name}, which a state dict never does. ${REFUSAL_HINT}`);
      });
    }
    return undefined;
  };
}

function storageLoader(file: string): (pid: PickleValue) => PickleValue {
  return (pid) => {
    // ('storage', storage_type, key, location, numel)
    if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage' || pid.items.length < 5) {
      throw new TorchCheckpointError(`${file}: unknown persistent id in data.pkl; only tensor storages are expected.`);
    }
    const [, type, key, , numel] = pid.items;
    const name = type instanceof PyCallable ? type.qualifiedName.replace(/^torch\./, '') : '';
    const info = STORAGE_TYPES[name];
    if (!info) throw new TorchCheckpointError(`${file}: storage of unsupported type "${name || String(type)}".`);
    if (typeof key !== 'string') throw new TorchCheckpointError(`${file}: a storage key is not a string.`);
    const ref: StorageRef = { key, dtype: info.dtype, bytes: info.bytes, numel: count(numel, 'a storage size', file) };
    return new PyOpaque('storage', ref);
  };
}

/**
 * The elements of a strided view as a dense row-major array:
 * out[i0, i1, ...] = storage[offset + i0 * stride[0] + i1 * stride[1] + ...].
 */
export function gatherStrided(storage: Float32Array, offset: number, shape: number[], stride: number[], where = 'tensor'): Float32Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return new Float32Array(0);
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (last >= storage.length) {
    throw new TorchCheckpointError(`${where}: shape [${shape}] with stride [${stride}] at offset ${offset} reads past its storage of ${storage.length} elements; the file is damaged.`);
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
  throw new TorchCheckpointError(`${zip.path}: a zip archive without data.pkl; this is not a torch checkpoint.`);
}

function openTorchZip(path: string): ZipArchive {
  try {
    return new ZipArchive(path);
  } catch (err) {
    const head = Buffer.alloc(2);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
    if (head[0] === 0x80 && head[1] === 0x02) {
      throw new TorchCheckpointError(`${path}: written in torch's legacy (pre-1.6) format, which is not supported. Use the checkpoint's model.safetensors instead, or re-save it with a current torch.`);
    }
    throw err;
  }
}

/** Streams every tensor of one pytorch_model.bin to `sink`, in the state dict's order. */
export function readPytorchBin(path: string, sink: TensorSink): void {
  const zip = openTorchZip(path);
  try {
    const { pickle, prefix } = findPickle(zip);
    const order = zip.entries.has(`${prefix}byteorder`) ? zip.read(`${prefix}byteorder`).toString('utf8').trim() : 'little';
    if (order !== 'little') throw new TorchCheckpointError(`${path}: tensors are stored ${order}-endian; only little-endian checkpoints are supported.`);
    let root: PickleValue;
    try {
      root = unpickle(zip.read(pickle), {
        source: `${path} (${pickle})`,
        findGlobal: stateDictGlobals(path),
        persistentLoad: storageLoader(path),
        refusalHint: REFUSAL_HINT,
      });
    } catch (err) {
      if (err instanceof PickleError || err instanceof TorchCheckpointError) throw err;
      throw new TorchCheckpointError(`${path}: cannot read data.pkl (${(err as Error).message}).`);
    }
    if (!(root instanceof PyDict)) throw new TorchCheckpointError(`${path}: data.pkl does not hold a state dict (name -> tensor).`);
    const tensors: [string, TensorRef][] = [];
    for (const [name, value] of root.entries) {
      if (typeof name !== 'string' || !(value instanceof PyOpaque) || value.tag !== 'tensor') {
        throw new TorchCheckpointError(`${path}: entry "${String(name)}" of the state dict is not a tensor; expected a plain state dict as transformers saves it.`);
      }
      tensors.push([name, value.value as TensorRef]);
    }
    // Tied weights share one storage: decode it once and keep it until its last tensor is out.
    const uses = new Map<string, number>();
    for (const [, t] of tensors) uses.set(t.storage.key, (uses.get(t.storage.key) ?? 0) + 1);
    const decoded = new Map<string, Float32Array>();
    for (const [name, t] of tensors) {
      const { key } = t.storage;
      let storage = decoded.get(key);
      if (!storage) {
        const member = `${prefix}data/${key}`;
        const raw = zip.read(member);
        if (raw.length < t.storage.numel * t.storage.bytes) {
          throw new TorchCheckpointError(`${path}: storage ${member} has ${raw.length} bytes but ${t.storage.numel} elements of ${t.storage.bytes} bytes are declared; the file is truncated.`);
        }
        storage = decodeToFloat32(raw, t.storage.dtype, t.storage.numel);
        decoded.set(key, storage);
      }
      const left = (uses.get(key) ?? 1) - 1;
      uses.set(key, left);
      if (left === 0) decoded.delete(key);
      sink(name, { shape: [...t.shape], data: gatherStrided(storage, t.offset, t.shape, t.stride, `${path}: tensor "${name}"`) }, path);
    }
  } finally {
    zip.close();
  }
}

/** Streams the tensors of a sharded pytorch checkpoint (pytorch_model.bin.index.json + shards). */
export function readPytorchShards(indexPath: string, sink: TensorSink): void {
  for (const shard of readShardIndex(indexPath)) readPytorchBin(shard, sink);
}

/**
 * Teaches the engine's checkpoint reader (src/core/t5/checkpoint.ts) pytorch_model.bin and its
 * sharded form. Idempotent; model.safetensors is still preferred when a folder has both.
 */
export function registerPytorchFormat(): void {
  registerCheckpointFormat({ file: PYTORCH_WEIGHTS, read: readPytorchBin });
  registerCheckpointFormat({ file: PYTORCH_INDEX, read: readPytorchShards });
}
