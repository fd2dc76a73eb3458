// The safetensors format: 8-byte little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }, then raw little-endian data.
// Every float dtype is converted to float32 on read: the engine computes in float32.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DTYPE_BYTES, decodeToFloat32, type DType } from './dtypes';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32';

export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Values as float32 (integer dtypes too: they only appear in tiny index tensors). */
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const SAFETENSORS_DTYPES: Record<SafetensorsDtype, DType> = { F32: 'f32', F16: 'f16', BF16: 'bf16', F64: 'f64', I64: 'i64', I32: 'i32' };

export class SafetensorsError extends Error {}

export interface SafetensorsHeader {
  tensors: Map<string, HeaderEntry>;
  metadata: Record<string, string>;
  dataStart: number;
}

/** The header of a file of `fileBytes` bytes from its first bytes (`buf`: at least the header; by default the whole file). */
export function readHeader(buf: Uint8Array, file: string, fileBytes = buf.byteLength): SafetensorsHeader {
  if (buf.byteLength < 8) throw new SafetensorsError(`${file}: not a safetensors file (shorter than 8 bytes).`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > fileBytes || 8 + headerLen > buf.byteLength) {
    throw new SafetensorsError(`${file}: not a safetensors file (header length ${headerLen} does not fit a ${fileBytes}-byte file). Is the download complete?`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SafetensorsError(`${file}: the safetensors header is not valid JSON; the file is damaged.`);
  }
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const e = raw as HeaderEntry;
    const [begin, end] = e.data_offsets ?? [];
    if (!(e.dtype in SAFETENSORS_DTYPES)) throw new SafetensorsError(`${file}: tensor "${name}" has dtype ${e.dtype}, which is not supported (use F32, F16 or BF16).`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * DTYPE_BYTES[SAFETENSORS_DTYPES[e.dtype as SafetensorsDtype]] || dataStart + end > fileBytes) {
      throw new SafetensorsError(`${file}: tensor "${name}" has offsets [${begin}, ${end}] that do not match its shape [${e.shape}] and dtype ${e.dtype}, or run past the end of the file. The file is damaged or truncated.`);
    }
    tensors.set(name, e);
  }
  return { tensors, metadata, dataStart };
}

/** Decodes one tensor into a fresh Float32Array (the source buffer can be released afterwards). */
export function decodeTensor(buf: Uint8Array, header: SafetensorsHeader, name: string): TensorEntry {
  const e = header.tensors.get(name);
  if (!e) throw new SafetensorsError(`tensor "${name}" is not in the file`);
  const dtype = e.dtype as SafetensorsDtype;
  const count = e.shape.reduce((a, b) => a * b, 1);
  const data = decodeToFloat32(buf.subarray(header.dataStart + e.data_offsets[0]), SAFETENSORS_DTYPES[dtype], count);
  return { dtype, shape: [...e.shape], data };
}

/**
 * Every tensor of a safetensors file, as float32, handed to `sink` one at a time and read from the
 * file one at a time: a checkpoint never sits in memory twice (file bytes and tensors).
 */
export function streamSafetensors(path: string, sink: (name: string, tensor: TensorEntry) => void): void {
  const fd = openSync(path, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    const read = (bytes: Uint8Array, at: number) => {
      if (readSync(fd, bytes, 0, bytes.byteLength, at) !== bytes.byteLength) throw new SafetensorsError(`${path}: the file ended early; it is truncated.`);
    };
    const length = new Uint8Array(8);
    read(length.subarray(0, Math.min(8, fileBytes)), 0);
    const headerBytes = new Uint8Array(Math.min(fileBytes, 8 + Number(new DataView(length.buffer).getBigUint64(0, true))));
    read(headerBytes, 0);
    const header = readHeader(headerBytes, path, fileBytes);
    for (const [name, e] of header.tensors) {
      const dtype = SAFETENSORS_DTYPES[e.dtype as SafetensorsDtype];
      const count = e.shape.reduce((a, b) => a * b, 1);
      const at = header.dataStart + e.data_offsets[0];
      let data: Float32Array;
      if (dtype === 'f32' && LITTLE_ENDIAN) {
        data = new Float32Array(count);
        read(new Uint8Array(data.buffer), at); // the file's bytes are the values: read them in place
      } else {
        const raw = new Uint8Array(count * DTYPE_BYTES[dtype]);
        read(raw, at);
        data = decodeToFloat32(raw, dtype, count);
      }
      sink(name, { dtype: e.dtype as SafetensorsDtype, shape: [...e.shape], data });
    }
  } finally {
    closeSync(fd);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function readSafetensors(buf: Uint8Array, file: string): { tensors: Map<string, TensorEntry>; metadata: Record<string, string> } {
  const header = readHeader(buf, file);
  const tensors = new Map<string, TensorEntry>();
  for (const name of header.tensors.keys()) tensors.set(name, decodeTensor(buf, header, name));
  return { tensors, metadata: header.metadata };
}

/** Serialises float32 tensors (names sorted, 8-byte aligned header as the reference writer does). */
export function writeSafetensors(tensors: Record<string, { shape: number[]; data: Float32Array }>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new SafetensorsError(`tensor "${name}": shape [${shape}] does not match ${data.length} values`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    for (const v of tensors[name].data) {
      view.setFloat32(pos, v, true);
      pos += 4;
    }
  }
  return out;
}
