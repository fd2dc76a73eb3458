// The seeded fuzz harness (issue 11 §1): each parser gets mutated copies of valid files and must
// either accept a case or refuse it with our own error (FileFormatError) naming the file, within
// 5 s and without allocating more than a small multiple of the input. Counts and seed:
//   PROMPT_TUNER_FUZZ_CASES  cases per parser (default: a few seconds' worth each, see `defaultCases`)
//   PROMPT_TUNER_FUZZ_SEED   the seed (default: the UTC day, so runs on different days try different
//                            cases and a failure is reproduced with the seed it prints)
//   PROMPT_TUNER_FUZZ_REPORT a file to append each parser's figures to (JSON lines)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { FileFormatError } from '../../src/core/io/errors';
import { Rng } from '../../src/core/rng';

export const SEED = Number(process.env.PROMPT_TUNER_FUZZ_SEED ?? Math.floor(Date.now() / 86_400_000));
const CASES = process.env.PROMPT_TUNER_FUZZ_CASES ? Number(process.env.PROMPT_TUNER_FUZZ_CASES) : undefined;

/** Per case: at most this long, and at most this many bytes of typed arrays and buffers per input byte (plus a fixed allowance). */
export const MAX_CASE_MS = 5000;
export const ALLOCATION_FACTOR = 16;
export const ALLOCATION_SLACK = 4 * 2 ** 20;

// ---- allocation meter: counts the bytes of every typed array, ArrayBuffer and Buffer made --------

let metered = 0;
const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer'] as const;

function installMeter(): void {
  const global = globalThis as unknown as Record<string, unknown>;
  for (const name of TYPED) {
    const original = global[name] as new (...args: unknown[]) => ArrayBufferView | ArrayBuffer;
    global[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        const made = Reflect.construct(target, args, newTarget === global[name] ? target : newTarget) as ArrayBufferView | ArrayBuffer;
        // A view over an existing buffer allocates nothing.
        if (!(args[0] instanceof ArrayBuffer) && !(typeof SharedArrayBuffer !== 'undefined' && args[0] instanceof SharedArrayBuffer)) metered += made.byteLength;
        return made;
      },
    });
  }
  const typedProto = Object.getPrototypeOf(Int8Array.prototype) as { slice: (this: ArrayBufferView, ...a: unknown[]) => ArrayBufferView };
  const slice = typedProto.slice;
  typedProto.slice = function (this: ArrayBufferView, ...a: unknown[]) {
    const out = slice.apply(this, a);
    metered += out.byteLength;
    return out;
  };
  const buffer = Buffer as unknown as Record<'alloc' | 'allocUnsafe' | 'allocUnsafeSlow', (size: number, ...rest: unknown[]) => Buffer>;
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = buffer[name];
    buffer[name] = (size: number, ...rest: unknown[]) => {
      metered += size;
      return original.call(Buffer, size, ...rest);
    };
  }
}
installMeter();

// ---- mutations ------------------------------------------------------------------------------------

const INTERESTING = [0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 53, 2 ** 60, 2 ** 63];

export class Mutator {
  constructor(readonly rng: Rng) {}

  int(n: number): number {
    return this.rng.int(Math.max(1, n));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.rng.next() < p;
  }

  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }

  /** 1-4 random byte-level mutations of `input` (bit flips, interesting values, inserts, deletes, copies, truncation). */
  mutateBytes(input: Uint8Array): Buffer {
    let b = Buffer.from(input);
    const rounds = 1 + this.int(4);
    for (let r = 0; r < rounds; r++) {
      const at = this.int(b.length + 1);
      switch (this.int(9)) {
        case 0: // flip bits
          if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << this.int(8);
          break;
        case 1: // an interesting byte
          if (b.length) b[Math.min(at, b.length - 1)] = this.pick([0, 0xff, 0x7f, 0x80, 0x01, 0x2e, 0x22, 0x0a]);
          break;
        case 2: {
          // an interesting little-endian integer of 2, 4 or 8 bytes
          const width = this.pick([2, 4, 8]);
          if (b.length >= width) {
            const pos = this.int(b.length - width + 1);
            const v = BigInt(this.pick(INTERESTING)) + BigInt(this.pick([-1, 0, 0, 1]));
            const bytes = Buffer.alloc(8);
            bytes.writeBigUInt64LE(BigInt.asUintN(64, v));
            bytes.copy(b, pos, 0, width);
          }
          break;
        }
        case 3: // insert random bytes
          b = Buffer.concat([b.subarray(0, at), this.bytes(1 + this.int(16)), b.subarray(at)]);
          break;
        case 4: // delete a range
          b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + this.int(64)))]);
          break;
        case 5: {
          // copy a chunk elsewhere (duplicates structure)
          const from = this.int(b.length);
          const chunk = b.subarray(from, from + 1 + this.int(128));
          b = Buffer.concat([b.subarray(0, at), chunk, b.subarray(at)]);
          break;
        }
        case 6: // truncate
          b = b.subarray(0, at);
          break;
        case 7: // extend
          b = Buffer.concat([b, this.chance(0.5) ? Buffer.alloc(1 + this.int(256)) : this.bytes(1 + this.int(64))]);
          break;
        default: // a run of one byte (long lines, repeated opcodes)
          b = Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + this.int(4096), this.int(256)), b.subarray(at)]);
      }
    }
    return b;
  }

  /** A value that breaks assumptions about `v`: other types, boundary numbers, long strings, deep nesting. */
  hostileValue(v: unknown): unknown {
    const choices: (() => unknown)[] = [
      () => null,
      () => this.pick([0, -1, 1, 0.5, -0.0, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 2 ** 60, 1e6, 1e9, 10_000_000]),
      () => (typeof v === 'number' ? v + this.pick([-1, 1, -v, v * 1000]) : 1),
      () => this.pick(['', 'x', '../../outside', '/etc/passwd', '__proto__', 'constructor', 'NaN', '1e999', '\u0000', 'é', 'x'.repeat(1 + this.int(100_000))]),
      () => (typeof v === 'string' ? v + v : 'yes'),
      () => [],
      () => [v, v],
      () => ({}),
      () => ({ v }),
      () => this.chance(0.5),
      () => Array.from({ length: 1 + this.int(1000) }, () => (typeof v === 'number' ? v : 0)),
    ];
    return this.pick(choices)();
  }

  /** Mutates a JSON value in place at a random node (replace, delete, add, duplicate). */
  mutateJson(root: unknown): unknown {
    if (typeof root !== 'object' || root === null) return this.hostileValue(root);
    // Walk to a random container.
    let node = root as Record<string, unknown> | unknown[];
    for (let depth = 0; depth < 6 && this.chance(0.6); depth++) {
      const children = Object.values(node).filter((c) => typeof c === 'object' && c !== null) as (Record<string, unknown> | unknown[])[];
      if (children.length === 0) break;
      node = this.pick(children);
    }
    const keys = Object.keys(node);
    const key = keys.length ? this.pick(keys) : '0';
    const target = node as Record<string, unknown>;
    switch (this.int(4)) {
      case 0:
        delete target[key];
        break;
      case 1:
        target[this.pick(['__proto__', 'constructor', 'extra', key + key, '0'])] = this.hostileValue(target[key]);
        break;
      default:
        target[key] = this.hostileValue(target[key]);
    }
    return root;
  }

  /** A JSON text, mutated as a tree or as text. */
  mutateJsonText(text: string): string {
    if (this.chance(0.7)) {
      let out = JSON.parse(text) as unknown;
      for (let i = 1 + this.int(3); i > 0; i--) out = this.mutateJson(out);
      const mutated = JSON.stringify(out) ?? 'null';
      if (!this.chance(0.05)) return mutated;
      // Deep nesting in place of one value (JSON.stringify would recurse too deep to make it).
      const depth = 100 + this.int(100_000);
      return mutated.replace(/\b\d+\b|null|true|false/, `${'['.repeat(depth)}0${']'.repeat(depth)}`);
    }
    return this.mutateBytes(Buffer.from(text)).toString('latin1');
  }
}

// ---- the runner -----------------------------------------------------------------------------------

export interface FuzzCase {
  /** The file the parser is given (errors must name it). */
  file: string;
  /** Bytes of input (all files of the case). */
  inputBytes: number;
  run: () => unknown | Promise<unknown>;
}

export interface ParserFuzz {
  /** Cases in `npm test` without PROMPT_TUNER_FUZZ_CASES (a few seconds). */
  defaultCases: number;
  /** Builds case `i` from the mutator (writes its files); may return a cleanup. */
  makeCase: (m: Mutator, i: number) => FuzzCase;
  /** Errors other than FileFormatError that are ours for this parser (e.g. a refusal that is not about a file). */
  alsoOurs?: (err: unknown) => boolean;
}

export interface FuzzFigures {
  parser: string;
  seed: number;
  cases: number;
  accepted: number;
  refused: number;
  worstMs: number;
  worstMsCase: number;
  worstAllocationBytes: number;
  worstAllocationFactor: number;
  worstAllocationCase: number;
  largestInputBytes: number;
  rssGrowthMiB: number;
  errorKinds: Record<string, number>;
}

/** Registers the fuzz test of one parser. */
export function fuzzParser(parser: string, spec: ParserFuzz): void {
  const cases = CASES ?? spec.defaultCases;
  test(`fuzz ${parser}: ${cases} seeded cases (seed ${SEED}) end in acceptance or our error naming the file, bounded in time and memory`, { timeout: Math.max(120_000, cases * MAX_CASE_MS) }, async () => {
    const rng = new Rng(SEED * 1000 + [...parser].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 7));
    const m = new Mutator(rng);
    const rssStart = process.resourceUsage().maxRSS;
    const figures: FuzzFigures = {
      parser, seed: SEED, cases, accepted: 0, refused: 0, worstMs: 0, worstMsCase: -1, worstAllocationBytes: 0, worstAllocationFactor: 0, worstAllocationCase: -1, largestInputBytes: 0, rssGrowthMiB: 0, errorKinds: {},
    };
    for (let i = 0; i < cases; i++) {
      const c = spec.makeCase(m, i);
      const where = `fuzz ${parser} case ${i} (PROMPT_TUNER_FUZZ_SEED=${SEED}), ${c.file}`;
      metered = 0;
      const start = performance.now();
      let error: unknown;
      try {
        await c.run();
      } catch (err) {
        error = err;
      }
      const ms = performance.now() - start;
      const allocated = metered;
      if (error === undefined) figures.accepted++;
      else {
        figures.refused++;
        const kind = (error as Error)?.constructor?.name ?? typeof error;
        figures.errorKinds[kind] = (figures.errorKinds[kind] ?? 0) + 1;
        const ours = error instanceof FileFormatError || spec.alsoOurs?.(error) === true;
        assert.ok(ours, `${where}: not our error type: ${String((error as Error)?.stack ?? error)}`);
        assert.ok((error as Error).message.includes(c.file), `${where}: the message does not name the file: ${(error as Error).message}`);
      }
      assert.ok(ms <= MAX_CASE_MS, `${where}: took ${ms.toFixed(0)} ms`);
      const limit = ALLOCATION_FACTOR * c.inputBytes + ALLOCATION_SLACK;
      assert.ok(allocated <= limit, `${where}: allocated ${allocated} bytes for ${c.inputBytes} bytes of input`);
      if (ms > figures.worstMs) [figures.worstMs, figures.worstMsCase] = [ms, i];
      if (allocated > figures.worstAllocationBytes) [figures.worstAllocationBytes, figures.worstAllocationCase, figures.worstAllocationFactor] = [allocated, i, allocated / Math.max(1, c.inputBytes)];
      figures.largestInputBytes = Math.max(figures.largestInputBytes, c.inputBytes);
    }
    figures.rssGrowthMiB = (process.resourceUsage().maxRSS - rssStart) / 1024;
    figures.worstMs = Math.round(figures.worstMs * 10) / 10;
    console.log(`fuzz ${parser}: ${JSON.stringify(figures)}`);
    if (process.env.PROMPT_TUNER_FUZZ_REPORT) appendFileSync(process.env.PROMPT_TUNER_FUZZ_REPORT, `${JSON.stringify(figures)}\n`);
    assert.ok(figures.rssGrowthMiB < 1024, `the process grew by ${figures.rssGrowthMiB.toFixed(0)} MiB over ${cases} cases`);
  });
}
