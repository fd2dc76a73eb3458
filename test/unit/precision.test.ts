// --precision: parsed with a clear error, and it says when it cannot take effect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPrecision, parsePrecision } from '../../src/core/precision';

test('precision values: fp32 by default, bf16-math on request, anything else named in the error', () => {
  assert.equal(parsePrecision(undefined, '--precision'), 'fp32');
  assert.equal(parsePrecision('bf16-math', '--precision'), 'bf16-math');
  assert.throws(() => parsePrecision('fp16', '--precision'), /--precision: unknown precision "fp16".*fp32.*bf16-math/);
});

test('bf16-math is a no-op with a note on wasm and cpu, and sets oneDNN\'s math mode for native TensorFlow', () => {
  const saved = process.env.ONEDNN_DEFAULT_FPMATH_MODE;
  delete process.env.ONEDNN_DEFAULT_FPMATH_MODE;
  try {
    assert.equal(applyPrecision('fp32', 'node'), undefined);
    assert.equal(process.env.ONEDNN_DEFAULT_FPMATH_MODE, undefined, 'fp32 leaves the environment alone');
    assert.match(applyPrecision('bf16-math', 'wasm') ?? '', /no effect on the wasm backend/);
    assert.equal(process.env.ONEDNN_DEFAULT_FPMATH_MODE, undefined);
    applyPrecision('bf16-math', 'node');
    assert.equal(process.env.ONEDNN_DEFAULT_FPMATH_MODE, 'BF16');
  } finally {
    if (saved === undefined) delete process.env.ONEDNN_DEFAULT_FPMATH_MODE;
    else process.env.ONEDNN_DEFAULT_FPMATH_MODE = saved;
  }
});
