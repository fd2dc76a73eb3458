// Seeded dropout whose masks depend only on (seed, site, example): the same on every backend, and
// the same whether a batch runs whole or split into micro-batches (each row is drawn from its own
// stream, keyed by its index in the full batch). Masks are made in JavaScript as bytes (tfjs'
// random ops draw one JS float per element through seedrandom, far slower), and kept as bool
// tensors for the backward pass: a quarter of the memory of a float mask.
import * as tf from '../tf';
import { keepWhere, packedMasks } from './native';
import { packMask } from './webgpu-kernels';
import { KEEP_MASK_WASM } from './keep-mask.wasm';

/**
 * Reusable memory for one forward/backward pass's masks. Backends may keep a typed array as a
 * tensor's storage; fresh arrays per step would wait for V8's garbage collector (hundreds of MB at
 * batch 8 on t5-small), so a training loop hands the same arena to every step and resets it once
 * the previous step's tensors are disposed.
 */
export class MaskArena {
  private chunks: Uint8Array<ArrayBuffer>[] = [];
  private chunk = 0;
  private offset = 0;

  take(bytes: number): Uint8Array {
    const n = (bytes + 7) & ~7;
    while (this.chunk < this.chunks.length && this.offset + n > this.chunks[this.chunk].length) {
      this.chunk++;
      this.offset = 0;
    }
    if (this.chunk === this.chunks.length) this.chunks.push(new Uint8Array(Math.max(n, 1 << 24)));
    const out = this.chunks[this.chunk].subarray(this.offset, this.offset + bytes);
    this.offset += n;
    return out;
  }

  /** Only once no tensor made from earlier masks is alive. */
  reset(): void {
    this.chunk = 0;
    this.offset = 0;
  }
}

/** Dropout while training; absent means evaluation (no dropout). */
export interface DropoutStream {
  rate: number;
  /** Per-step seed: a step's masks are reproducible, so a resumed run draws the same ones. */
  seed: number;
  /** Index in the full batch of this tensor's first row (micro-batches start past 0). */
  firstRow: number;
  /** Call counter: the n-th dropout of a forward pass is site n, whatever the batch split. */
  site: number;
  arena?: MaskArena;
}

export function dropoutStream(rate: number, seed: number, firstRow = 0, arena?: MaskArena): DropoutStream {
  return { rate, seed, firstRow, site: 0, arena };
}

/** lowbias32 (C. Wellons): a 32-bit integer hash with good avalanche, to seed each row's stream. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Bytes of mask the wasm kernel makes per call (its memory holds them and the line keys). */
const CHUNK_BYTES = 1 << 22;

interface KeepMaskKernel {
  memory: WebAssembly.Memory;
  fill(keys: number, lines: number, n: number, t: number, out: number): void;
}

let kernel: KeepMaskKernel | undefined;

/** keep-mask.wat's module, compiled once (a few hundred bytes: synchronous is fine). */
function keepMaskKernel(): KeepMaskKernel {
  kernel ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(KEEP_MASK_WASM, 'base64'))).exports as unknown as KeepMaskKernel;
  return kernel;
}

/**
 * The key of every line (all indices but the last) of a tensor of `shape`, in row-major order: a
 * hash of (seed, site, row in the full batch, the line's other indices).
 */
export function lineKeys(shape: readonly number[], seed: number, site: number, firstRow: number): Int32Array {
  const keys = new Int32Array(shape.slice(0, -1).reduce((a, b) => a * b, 1));
  const stepKey = mix32(mix32(seed ^ 0x9e3779b9) ^ mix32(site + 0x632be5ab));
  if (shape.length === 1) {
    keys[0] = stepKey;
    return keys;
  }
  let at = 0;
  const walk = (axis: number, key: number) => {
    if (axis === shape.length - 1) {
      keys[at++] = key;
      return;
    }
    for (let i = 0; i < shape[axis]; i++) walk(axis + 1, mix32(key ^ mix32((axis === 0 ? firstRow + i : i) * 0x85ebca77 + axis + 1)));
  };
  walk(0, stepKey);
  return keys;
}

/**
 * Keep-mask bytes (1 = kept) for a tensor of `shape` whose first axis holds rows `firstRow`...
 * Counter-based, so a decision depends only on its coordinates, never on the tensor's extent:
 * element j of a line is kept when its 16-bit half (low for even j, high for odd) of
 * lowbias32(lineKey + j/2) is at least round(rate * 65536). So a row padded to another length (a
 * micro-batch pads to its own longest row) keeps every mask value of its real positions. The bytes
 * come from keep-mask.wat (WebAssembly SIMD, ~8x JavaScript's speed).
 */
export function keepMask(shape: readonly number[], rate: number, seed: number, site: number, firstRow: number, into?: Uint8Array): Uint8Array {
  const n = shape[shape.length - 1];
  const out = into ?? new Uint8Array(shape.reduce((a, b) => a * b, 1));
  const keys = lineKeys(shape, seed, site, firstRow);
  const k = keepMaskKernel();
  const perCall = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(n, 1)));
  for (let first = 0; first < keys.length; first += perCall) {
    const lines = Math.min(perCall, keys.length - first);
    const need = 4 * lines + lines * n;
    if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
    new Int32Array(k.memory.buffer, 0, lines).set(keys.subarray(first, first + lines));
    k.fill(0, lines, n, Math.round(rate * 65536), 4 * lines);
    out.set(new Uint8Array(k.memory.buffer, 4 * lines, lines * n), first * n);
  }
  return out;
}

/**
 * The next site's keep-mask for a tensor of `shape` (rows along its first axis), as a bool tensor;
 * on webgpu its bytes packed four to an int32 [ceil(size / 4)] (keepWhere reads either).
 */
export function nextMask(shape: number[], d: DropoutStream): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const packed = packedMasks();
  // The arena's takes start on 8-byte boundaries and leave room up to the next: whole words.
  const into = d.arena?.take(size) ?? (packed ? new Uint8Array((size + 3) & ~3).subarray(0, size) : undefined);
  const bytes = keepMask(shape, d.rate, d.seed, d.site++, d.firstRow, into);
  return packed ? packMask(bytes) : tf.tensor(bytes, shape, 'bool');
}

/** x * mask / (1 - rate): the forward and the backward of dropout alike. */
export function applyMask<T extends tf.Tensor>(x: T, mask: tf.Tensor, rate: number): T {
  return tf.mul(keepWhere(x, mask), 1 / (1 - rate)) as T;
}

/** Dropout as a tape op that keeps only its byte mask for the backward pass. */
export function dropout<T extends tf.Tensor>(x: T, d: DropoutStream | undefined): T {
  if (!d || d.rate === 0) return x;
  const mask = nextMask(x.shape, d);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[1] as tf.GradSaveFunc)([mask]);
    return { value: applyMask(args[0] as tf.Tensor, mask, d.rate), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => applyMask(dy, saved[0], d.rate) };
  });
  const y = f(x) as T;
  mask.dispose();
  return y;
}
