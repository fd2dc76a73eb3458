// Dropout masks: the WebAssembly kernel makes exactly the documented decisions (checked against a
// scalar implementation of the definition in tensor/dropout.ts), a row keeps its mask in any
// micro-batch and at any padded length, the rate holds, and the committed kernel is built from
// keep-mask.wat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { keepMask, lineKeys, MaskArena } from '../../src/core/tensor/dropout';

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The definition, one element at a time. */
function definition(shape: number[], rate: number, seed: number, site: number, firstRow: number): Uint8Array {
  const keys = lineKeys(shape, seed, site, firstRow);
  const n = shape[shape.length - 1];
  const t = Math.round(rate * 65536);
  const out = new Uint8Array(keys.length * n);
  for (let l = 0; l < keys.length; l++) {
    for (let j = 0; j < n; j++) {
      const w = mix32(keys[l] + (j >>> 1));
      out[l * n + j] = (j & 1 ? w >>> 16 : w & 0xffff) >= t ? 1 : 0;
    }
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

test('the SIMD kernel makes the defined decisions, for any line length and into any buffer offset', () => {
  for (const shape of [[1, 1], [3, 9], [2, 16], [2, 17], [3, 33], [2, 3, 5, 5], [4, 2, 30, 31]]) {
    const expected = definition(shape, 0.1, 5, 3, 7);
    assert.ok(same(keepMask(shape, 0.1, 5, 3, 7), expected), JSON.stringify(shape));
    const arena = new MaskArena();
    arena.take(3); // the next take starts at another offset
    assert.ok(same(keepMask(shape, 0.1, 5, 3, 7, arena.take(expected.length)), expected), `${JSON.stringify(shape)} in an arena`);
  }
});

test('a row keeps its mask in any micro-batch (its index in the full batch) and at any padded length', () => {
  const whole = keepMask([5, 10], 0.3, 1, 2, 0);
  assert.ok(same(whole.subarray(30), keepMask([2, 10], 0.3, 1, 2, 3)), 'rows 3-4 alone');
  const short = keepMask([2, 3, 5, 5], 0.3, 1, 2, 0);
  const long = keepMask([2, 3, 7, 7], 0.3, 1, 2, 0);
  for (let r = 0; r < 2; r++) for (let h = 0; h < 3; h++) for (let i = 0; i < 5; i++) for (let k = 0; k < 5; k++) {
    assert.equal(short[((r * 3 + h) * 5 + i) * 5 + k], long[((r * 3 + h) * 7 + i) * 7 + k], `[${r},${h},${i},${k}]`);
  }
  assert.ok(!same(keepMask([2, 10], 0.3, 1, 2, 0), keepMask([2, 10], 0.3, 1, 3, 0)), 'another site draws another mask');
});

test('the share of dropped elements is the rate', () => {
  for (const rate of [0.1, 0.5]) {
    const m = keepMask([8, 8, 64, 64], rate, 9, 0, 0);
    const kept = m.reduce((a, v) => a + v, 0) / m.length;
    assert.ok(Math.abs(1 - kept - rate) < 0.003, `rate ${rate}: dropped ${1 - kept}`);
  }
});

test('keep-mask.wasm.ts is built from keep-mask.wat', () => {
  const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
