// Little-endian numbers of the dtypes checkpoints store, decoded to float32 (the engine computes in
// float32). Shared by the safetensors and pytorch_model.bin readers.
import { endianness } from 'node:os';

export type DType = 'f32' | 'f64' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool';

export const DTYPE_BYTES: Readonly<Record<DType, number>> = { f32: 4, f64: 8, f16: 2, bf16: 2, i64: 8, i32: 4, i16: 2, i8: 1, u8: 1, bool: 1 };

const LITTLE_ENDIAN = endianness() === 'LE';

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** `count` values of `dtype` from `bytes` (at least count * DTYPE_BYTES[dtype] long) into a fresh Float32Array. */
export function decodeToFloat32(bytes: Uint8Array, dtype: DType, count: number): Float32Array {
  const out = new Float32Array(count);
  if (dtype === 'f32' && LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, count * 4)); // same layout: one copy
    return out;
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, count * DTYPE_BYTES[dtype]);
  switch (dtype) {
    case 'f32':
      for (let i = 0; i < count; i++) out[i] = v.getFloat32(i * 4, true);
      break;
    case 'f64':
      for (let i = 0; i < count; i++) out[i] = v.getFloat64(i * 8, true);
      break;
    case 'bf16': {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = v.getUint16(i * 2, true) << 16;
      break;
    }
    case 'f16':
      for (let i = 0; i < count; i++) out[i] = f16ToF32(v.getUint16(i * 2, true));
      break;
    case 'i64':
      for (let i = 0; i < count; i++) out[i] = Number(v.getBigInt64(i * 8, true));
      break;
    case 'i32':
      for (let i = 0; i < count; i++) out[i] = v.getInt32(i * 4, true);
      break;
    case 'i16':
      for (let i = 0; i < count; i++) out[i] = v.getInt16(i * 2, true);
      break;
    case 'i8':
      for (let i = 0; i < count; i++) out[i] = v.getInt8(i);
      break;
    case 'u8':
    case 'bool':
      for (let i = 0; i < count; i++) out[i] = v.getUint8(i);
      break;
  }
  return out;
}
