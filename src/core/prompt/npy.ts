// Soft prompts as NumPy .npy arrays [k, d_model] float32: the form google-research/prompt-tuning
// (T5X) saves and np.load reads. Format: "\x93NUMPY", version bytes, little-endian header length,
// an ASCII Python dict {'descr', 'fortran_order', 'shape'} padded with spaces to a multiple of 64
// bytes and ended by "\n", then the raw values. A prompt that is not finite is never written nor read.
import { writeFileAtomic } from '../io/atomic';
import { FileFormatError } from '../io/errors';
import { MIB, readRegularFile } from '../io/file-access';
import { firstNonFinite, NON_FINITE_HINT } from './finite';
import { softPrompt, type SoftPrompt } from './soft-prompt';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;

export class NpyError extends FileFormatError {}

/** A prompt [k, d_model] in float32 or float64: 100 x 4096 x 8 is 3.3 MB. */
const NPY_LIMIT = { maxBytes: 256 * MIB, what: 'a prompt .npy file', hint: 'A soft prompt is a few megabytes at most.' };

/** The .npy v1.0 bytes of a prompt: float32 little-endian, C order, shape (k, d_model). */
export function encodeNpy(prompt: SoftPrompt): Uint8Array {
  const bad = firstNonFinite(prompt.data, prompt.dModel);
  if (bad !== undefined) throw new RangeError(`Refusing to write a prompt that is not finite (${bad}). ${NON_FINITE_HINT}`);
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${prompt.k}, ${prompt.dModel}), }`;
  const unpadded = 10 + dict.length + 1; // magic 6 + version 2 + length 2, dict, "\n"
  const header = `${dict}${' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN)}\n`;
  const out = new Uint8Array(10 + header.length + prompt.data.length * 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = 1; // format version 1.0
  out[7] = 0;
  view.setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  let pos = 10 + header.length;
  for (const v of prompt.data) {
    view.setFloat32(pos, v, true);
    pos += 4;
  }
  return out;
}

export function exportNpy(prompt: SoftPrompt, path: string): void {
  writeFileAtomic(path, encodeNpy(prompt));
}

export function readNpy(path: string): SoftPrompt {
  return decodeNpy(readRegularFile(path, NPY_LIMIT, NpyError), path);
}

/** Reads a 2-D float array [k, d_model] (f4 or f8, either byte order, C or Fortran order) as float32. */
export function decodeNpy(buf: Uint8Array, file: string): SoftPrompt {
  const fail = (why: string): never => {
    throw new NpyError(file, `${file}: ${why}`);
  };
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) fail('not a NumPy .npy file (the "\\x93NUMPY" magic is missing).');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const major = buf[6];
  if (major < 1 || major > 3) fail(`.npy format version ${major}.${buf[7]} is not known (1.0, 2.0 and 3.0 are).`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLen;
  if (dataStart > buf.length) fail('the header runs past the end of the file; the file is truncated.');
  const header = Buffer.from(buf.buffer, buf.byteOffset + 8 + lengthBytes, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const field = (name: string, pattern: string): string => {
    const m = new RegExp(`['"]${name}['"]\\s*:\\s*${pattern}`).exec(header);
    return m ? m[1] : fail(`the header has no readable "${name}": ${JSON.stringify(header.trim().slice(0, 200))}`);
  };
  const descr = field('descr', `['"]([^'"]*)['"]`);
  const fortran = field('fortran_order', '(True|False)') === 'True';
  const shape = field('shape', '\\(([^)]*)\\)').split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const type = /^([<>|=])f([48])$/.exec(descr);
  if (!type) fail(`dtype "${descr}" is not a float32/float64 array; save the prompt with arr.astype(np.float32).`);
  if (shape.length !== 2 || shape.some((n) => !Number.isInteger(n) || n < 1)) {
    fail(`shape (${shape.join(', ')}) is not a prompt [k, d_model]; a soft prompt is a 2-D array.`);
  }
  const [k, d] = shape;
  const width = Number(type![2]);
  const little = type![1] !== '>';
  if (buf.length - dataStart < k * d * width) fail(`holds fewer values than its shape (${k}, ${d}) needs; the file is truncated.`);
  const data = new Float32Array(k * d);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < d; j++) {
      const at = dataStart + (fortran ? j * k + i : i * d + j) * width;
      data[i * d + j] = width === 4 ? view.getFloat32(at, little) : view.getFloat64(at, little);
    }
  }
  const bad = firstNonFinite(data, d);
  if (bad !== undefined) fail(`the prompt is not finite (${bad}), so every score with it would be NaN. ${NON_FINITE_HINT}`);
  return softPrompt(data, k, d, file);
}
