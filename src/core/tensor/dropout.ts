// Seeded dropout whose masks depend only on (seed, site, example): the same on every backend, and
// the same whether a batch runs whole or split into micro-batches (each row is drawn from its own
// stream, keyed by its index in the full batch). Masks are made in JavaScript as bytes (tfjs'
// random ops draw one JS float per element through seedrandom, far slower), and kept as bool
// tensors for the backward pass: a quarter of the memory of a float mask.
import * as tf from '../tf';
import { keepWhere } from './native';

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
    const n = (bytes + 3) & ~3; // word-aligned starts (see keepMask)
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

/**
 * Keep-mask bytes (1 = kept) for a tensor of `shape` whose first axis holds rows `firstRow`...
 * Counter-based, so a decision depends only on its coordinates, never on the tensor's extent: an
 * element's line (its indices but the last) is keyed by hashing (seed, site, row, indices), and
 * elements 2p and 2p+1 of a line by the low and high 16 bits of hash(lineKey + p). So a row padded
 * to another length (a micro-batch pads to its own longest row) keeps every mask value of its real
 * positions. The effective rate is round(rate * 65536) / 65536.
 */
export function keepMask(shape: readonly number[], rate: number, seed: number, site: number, firstRow: number, into?: Uint8Array): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = into ?? new Uint8Array(size);
  const t = Math.round(rate * 65536);
  const n = shape[shape.length - 1];
  // Four bytes per store where a line starts word-aligned: the hot loop of a training step.
  const words = out.byteOffset % 4 === 0 ? new Uint32Array(out.buffer, out.byteOffset, size >>> 2) : undefined;
  const stepKey = mix32(mix32(seed ^ 0x9e3779b9) ^ mix32(site + 0x632be5ab));
  const fillLine = (key: number, base: number) => {
    let j = 0; // the next element; even, so a draw's two decisions never straddle a store
    if (words && base % 2 === 0) {
      if (base % 4 === 2 && n >= 2) {
        const w = mix32(key);
        out[base] = (w & 0xffff) >= t ? 1 : 0;
        out[base + 1] = w >>> 16 >= t ? 1 : 0;
        j = 2;
      }
      for (let i = (base + j) >>> 2, end = (base + n) >>> 2; i < end; i++, j += 4) {
        const a = mix32(key + (j >>> 1));
        const b = mix32(key + (j >>> 1) + 1);
        words[i] = ((a & 0xffff) >= t ? 1 : 0) | (a >>> 16 >= t ? 0x100 : 0) | ((b & 0xffff) >= t ? 0x10000 : 0) | (b >>> 16 >= t ? 0x1000000 : 0);
      }
    }
    for (; j < n; j++) {
      const w = mix32(key + (j >>> 1));
      out[base + j] = (j & 1 ? w >>> 16 : w & 0xffff) >= t ? 1 : 0;
    }
  };
  // Walks the lines in order; `axis` 0 is the row axis, keyed by the row's index in the full batch.
  let base = 0;
  const walk = (axis: number, key: number) => {
    if (axis === shape.length - 1) {
      fillLine(key, base);
      base += n;
      return;
    }
    for (let i = 0; i < shape[axis]; i++) walk(axis + 1, mix32(key ^ mix32((axis === 0 ? firstRow + i : i) * 0x85ebca77 + axis + 1)));
  };
  if (shape.length === 1) fillLine(stepKey, 0);
  else walk(0, stepKey);
  return out;
}

/** The next site's keep-mask for a tensor of `shape` (rows along its first axis), as a bool tensor. */
export function nextMask(shape: number[], d: DropoutStream): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(keepMask(shape, d.rate, d.seed, d.site++, d.firstRow, d.arena?.take(size)), shape, 'bool');
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
