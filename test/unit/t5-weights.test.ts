// Checkpoint files: dtype conversion, damaged files and weights that do not fit config.json give
// errors naming the file and tensor.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, loadT5 } from '../../src/core';
import { decodeTensor, readHeader, readSafetensors, writeSafetensors } from '../../src/core/io/safetensors';
import { writeRandomT5 } from '../../src/core/t5/random-model';

before(async () => {
  await selectBackend();
});

function rawFile(entries: Record<string, { dtype: string; shape: number[]; bytes: number[] }>): Uint8Array {
  let offset = 0;
  const header: Record<string, unknown> = {};
  const data: number[] = [];
  for (const [name, e] of Object.entries(entries)) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
    data.push(...e.bytes);
  }
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  Buffer.from(data).copy(out, 8 + json.length);
  return out;
}

test('F16 and BF16 tensors are converted to float32 exactly', () => {
  // f16: 1.0 = 0x3c00, -2.0 = 0xc000, 2^-24 (smallest subnormal) = 0x0001; bf16: 1.0 = 0x3f80, -0.5 = 0xbf00.
  const buf = rawFile({
    h: { dtype: 'F16', shape: [3], bytes: [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00] },
    b: { dtype: 'BF16', shape: [2], bytes: [0x80, 0x3f, 0x00, 0xbf] },
  });
  const { tensors } = readSafetensors(buf, 'x.safetensors');
  assert.deepEqual(Array.from(tensors.get('h')!.data), [1, -2, 2 ** -24]);
  assert.deepEqual(Array.from(tensors.get('b')!.data), [1, -0.5]);
});

test('our writer round-trips and damaged files are refused with the file named', () => {
  const data = new Float32Array([1.5, -2.25, 3e-8, 7]);
  const buf = writeSafetensors({ w: { shape: [2, 2], data } }, { format: 'pt' });
  const header = readHeader(buf, 'w.safetensors');
  assert.equal((8 + Number(Buffer.from(buf).readBigUInt64LE(0))) % 8, 0, 'data starts 8-byte aligned');
  assert.deepEqual(Array.from(decodeTensor(buf, header, 'w').data), Array.from(data));
  assert.throws(() => readHeader(buf.slice(0, buf.length - 4), 'cut.safetensors'), /cut\.safetensors: tensor "w" .* truncated/);
  assert.throws(() => readHeader(new Uint8Array([1, 2, 3]), 'tiny.safetensors'), /tiny\.safetensors: not a safetensors file/);
  assert.throws(() => readSafetensors(rawFile({ i: { dtype: 'U8', shape: [1], bytes: [1] } }), 'u8.safetensors'), /dtype "U8", which is not supported/);
});

test('a tensor whose shape does not fit config.json, or a missing tensor, is named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-weights-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeRandomT5(dir, { seed: 1, config: { vocab_size: 64 } });
  const { tensors } = readSafetensors(readFileSync(join(dir, 'model.safetensors')), 'm');
  const plain = (skip: string, reshape?: [string, number[]]) => {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [name, t] of tensors) {
      if (name === skip) continue;
      out[name] = reshape && reshape[0] === name ? { shape: reshape[1], data: t.data } : { shape: t.shape, data: t.data };
    }
    return out;
  };
  const bad = 'encoder.block.1.layer.0.SelfAttention.k.weight';
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(plain('', [bad, [16, 64]])));
  await assert.rejects(loadT5(dir), new RegExp(`"${bad.replace(/\./g, '\\.')}" has shape \\[16,64\\] but config.json implies \\[32,32\\]`));
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(plain('decoder.final_layer_norm.weight')));
  await assert.rejects(loadT5(dir), /lacks tensor "decoder\.final_layer_norm\.weight"/);
});
