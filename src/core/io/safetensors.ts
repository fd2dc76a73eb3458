// The safetensors format: 8-byte little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }, then raw little-endian data.
// Every float dtype is converted to float32 on read: the engine computes in float32.
// The header is checked whole before any tensor is decoded: its length against the file (and the
// reference implementation's 100 MB cap) before it is allocated, every entry's shape x dtype size
// against its byte range, and the ranges against the data and each other (none negative or
// overlapping), so no file makes the reader allocate more than the file holds.
import { closeSync, readSync } from 'node:fs';
import { DTYPE_BYTES, decodeToFloat32, type DType } from './dtypes';
import { FileFormatError, quote } from './errors';
import { openRegularFile } from './file-access';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32';

export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Values as float32 (integer dtypes too: they only appear in tiny index tensors). */
  data: Float32Array;
}

export interface HeaderEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range in the data section (after the header), checked: 0 <= begin <= end <= data bytes. */
  data_offsets: [number, number];
}

const SAFETENSORS_DTYPES: Record<SafetensorsDtype, DType> = { F32: 'f32', F16: 'f16', BF16: 'bf16', F64: 'f64', I64: 'i64', I32: 'i32' };

/** The reference implementation's limit on the JSON header (safetensors MAX_HEADER_SIZE). */
const MAX_HEADER_BYTES = 100_000_000;
/** More dimensions than any tensor has; bounds the work per entry. */
const MAX_DIMS = 16;

export class SafetensorsError extends FileFormatError {}

export interface SafetensorsHeader {
  tensors: Map<string, HeaderEntry>;
  metadata: Record<string, string>;
  dataStart: number;
}

/** The JSON header's length from the file's first 8 bytes, checked against the file before anything is allocated. */
function headerLength(first8: Uint8Array, file: string, fileBytes: number): number {
  if (fileBytes < 8 || first8.byteLength < 8) throw new SafetensorsError(file, `${file}: not a safetensors file (shorter than 8 bytes).`);
  const length = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (length === 0n || length > BigInt(Math.min(MAX_HEADER_BYTES, fileBytes - 8))) {
    // The value itself is not echoed: for a file that is not safetensors it is 8 bytes of its content.
    throw new SafetensorsError(
      file,
      `${file}: not a safetensors file: its first 8 bytes do not give a header length that fits the ${fileBytes}-byte file` +
        ` (at most ${MAX_HEADER_BYTES} bytes). Is the download complete?`,
    );
  }
  return Number(length);
}

/** Elements of `shape` times `bytes`, or undefined when above `limit` (computed without overflowing). */
function byteSize(shape: number[], bytes: number, limit: number): number | undefined {
  if (shape.includes(0)) return 0;
  let size = bytes;
  for (const d of shape) {
    size *= d;
    if (size > limit) return undefined;
  }
  return size;
}

function checkEntry(name: string, raw: unknown, file: string, dataBytes: number): HeaderEntry {
  const bad = (why: string): never => {
    throw new SafetensorsError(file, `${file}: tensor ${quote(name)} ${why}. The file is damaged or not a safetensors file.`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('is not described by a JSON object');
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in SAFETENSORS_DTYPES)) {
    throw new SafetensorsError(file, `${file}: tensor ${quote(name)} has dtype ${quote(dtype)}, which is not supported (use F32, F16 or BF16).`);
  }
  const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || shape.length > MAX_DIMS || !shape.every(isIndex)) bad(`has shape ${quote(shape)}, which is not a list of at most ${MAX_DIMS} non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) bad(`has data_offsets ${quote(offsets)}, which are not two non-negative integers`);
  const [begin, end] = offsets as [number, number];
  if (begin > end) bad(`has data_offsets [${begin}, ${end}] that end before they begin`);
  if (end > dataBytes) {
    throw new SafetensorsError(file, `${file}: tensor ${quote(name)} has data_offsets [${begin}, ${end}] past the end of the ${dataBytes} bytes of data; the file is truncated or damaged.`);
  }
  const bytes = DTYPE_BYTES[SAFETENSORS_DTYPES[dtype as SafetensorsDtype]];
  const size = byteSize(shape as number[], bytes, dataBytes);
  if (size !== end - begin) bad(`has shape [${String(shape)}] of ${dtype}, which does not take the ${end - begin} bytes of its data_offsets [${begin}, ${end}]`);
  return { dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], data_offsets: [begin, end] };
}

/** Refuses byte ranges that overlap (two tensors cannot share bytes in a valid file). */
function checkNoOverlap(tensors: Map<string, HeaderEntry>, file: string): void {
  const ranges = [...tensors].filter(([, e]) => e.data_offsets[1] > e.data_offsets[0]).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  for (let i = 1; i < ranges.length; i++) {
    const [prevName, prev] = ranges[i - 1];
    const [name, e] = ranges[i];
    if (e.data_offsets[0] < prev.data_offsets[1]) {
      throw new SafetensorsError(file, `${file}: tensors ${quote(prevName)} and ${quote(name)} overlap (bytes [${prev.data_offsets}] and [${e.data_offsets}]). The file is damaged.`);
    }
  }
}

/** The header of a file of `fileBytes` bytes from its first bytes (`buf`: at least the header; by default the whole file). */
export function readHeader(buf: Uint8Array, file: string, fileBytes = buf.byteLength): SafetensorsHeader {
  const headerLen = headerLength(buf, file, fileBytes);
  if (8 + headerLen > buf.byteLength) throw new SafetensorsError(file, `${file}: the header is cut short; the file is truncated.`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8'));
  } catch {
    throw new SafetensorsError(file, `${file}: the safetensors header is not valid JSON; the file is damaged.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SafetensorsError(file, `${file}: the safetensors header is not a JSON object; the file is damaged.`);
  const dataStart = 8 + headerLen;
  const dataBytes = fileBytes - dataStart;
  const tensors = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(raw, file);
      continue;
    }
    tensors.set(name, checkEntry(name, raw, file, dataBytes));
  }
  checkNoOverlap(tensors, file);
  return { tensors, metadata, dataStart };
}

function checkMetadata(raw: unknown, file: string): Record<string, string> {
  if (raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
    throw new SafetensorsError(file, `${file}: "__metadata__" must map names to strings; the file is damaged.`);
  }
  return { ...(raw as Record<string, string>) };
}

function elements(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Decodes one tensor into a fresh Float32Array (the source buffer can be released afterwards). */
export function decodeTensor(buf: Uint8Array, header: SafetensorsHeader, name: string): TensorEntry {
  const e = header.tensors.get(name);
  if (!e) throw new RangeError(`tensor "${name}" is not in the header`);
  const data = decodeToFloat32(buf.subarray(header.dataStart + e.data_offsets[0]), SAFETENSORS_DTYPES[e.dtype], elements(e.shape));
  return { dtype: e.dtype, shape: [...e.shape], data };
}

/** Any file size is fine for weights; the header and every range are checked against the real size. */
const WEIGHTS_LIMIT = { maxBytes: Number.MAX_SAFE_INTEGER, what: 'a safetensors file' };

/** The header of a safetensors file, read from disk without reading its data. */
export function readHeaderOf(path: string): SafetensorsHeader {
  return withFile(path, (read, fileBytes) => readFileHeader(read, path, fileBytes));
}

type ReadAt = (bytes: Uint8Array, at: number) => void;

function withFile<T>(path: string, use: (read: ReadAt, fileBytes: number) => T): T {
  const { fd, size } = openRegularFile(path, WEIGHTS_LIMIT, SafetensorsError);
  try {
    const read: ReadAt = (bytes, at) => {
      let done = 0;
      while (done < bytes.byteLength) {
        let n: number;
        try {
          n = readSync(fd, bytes, done, bytes.byteLength - done, at + done);
        } catch (err) {
          throw new SafetensorsError(path, `${path}: reading failed (${(err as Error).message}).`);
        }
        if (n === 0) throw new SafetensorsError(path, `${path}: the file ended early; it is truncated (or was changed while it was read).`);
        done += n;
      }
    };
    return use(read, size);
  } finally {
    closeSync(fd);
  }
}

function readFileHeader(read: ReadAt, path: string, fileBytes: number): SafetensorsHeader {
  const first8 = new Uint8Array(8);
  if (fileBytes >= 8) read(first8, 0);
  const headerLen = headerLength(first8, path, fileBytes); // checked before the header is allocated
  const headerBytes = new Uint8Array(8 + headerLen);
  read(headerBytes, 0);
  return readHeader(headerBytes, path, fileBytes);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Every tensor of a safetensors file, as float32, handed to `sink` one at a time and read from the
 * file one at a time: a checkpoint never sits in memory twice (file bytes and tensors).
 */
export function streamSafetensors(path: string, sink: (name: string, tensor: TensorEntry) => void): void {
  withFile(path, (read, fileBytes) => {
    const header = readFileHeader(read, path, fileBytes);
    for (const [name, e] of header.tensors) {
      const dtype = SAFETENSORS_DTYPES[e.dtype];
      const count = elements(e.shape);
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
      sink(name, { dtype: e.dtype, shape: [...e.shape], data });
    }
  });
}

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
    const count = elements(shape);
    if (count !== data.length) throw new RangeError(`tensor "${name}": shape [${shape}] does not match ${data.length} values`);
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
