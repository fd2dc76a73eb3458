// Valid files the fuzz cases start from: small synthetic ones always, the reference fixtures of
// ../shared when present (real layouts: a transformers safetensors, a torch.save zip, a shard index).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { writeSafetensors } from '../../src/core/io/safetensors';
import { SHARED_DIR } from '../support/shared';

export const TINY_FIXTURE = join(SHARED_DIR, 'fixtures', 't5-golden', 't5-v1_1-tiny');

/** A fresh temporary folder, removed when the test file ends. */
export function scratch(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pt-fuzz-${name}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fixture file of ../shared, when present. */
export function sharedFile(...parts: string[]): Buffer | undefined {
  const path = join(TINY_FIXTURE, ...parts);
  return existsSync(path) ? readFileSync(path) : undefined;
}

const values = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * scale);

/** Small valid safetensors files: float32 from our writer, and the other dtypes written by hand. */
export function safetensorsSeeds(): Buffer[] {
  const ours = Buffer.from(writeSafetensors({ a: { shape: [3, 4], data: values(12) }, b: { shape: [5], data: values(5) }, c: { shape: [2, 2, 2], data: values(8) }, empty: { shape: [0, 4], data: new Float32Array(0) } }, { format: 'pt' }));
  const header = { __metadata__: { format: 'pt' }, h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, b: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] }, l: { dtype: 'I64', shape: [1], data_offsets: [8, 16] }, d: { dtype: 'F64', shape: [1], data_offsets: [16, 24] }, i: { dtype: 'I32', shape: [2], data_offsets: [24, 32] } };
  const json = Buffer.from(JSON.stringify(header));
  const mixed = Buffer.alloc(8 + json.length + 32);
  mixed.writeBigUInt64LE(BigInt(json.length));
  json.copy(mixed, 8);
  mixed.fill(0x3c, 8 + json.length);
  return [ours, mixed, ...[sharedFile('model.safetensors')].filter((b): b is Buffer => b !== undefined)];
}

/** The JSON header of a safetensors file and its data section. */
export function splitSafetensors(file: Buffer): { header: string; data: Buffer } {
  const length = Number(file.readBigUInt64LE(0));
  return { header: file.toString('utf8', 8, 8 + length), data: file.subarray(8 + length) };
}

/** A safetensors file from a header text and data; `lengthField` overrides the real header length. */
export function joinSafetensors(header: string, data: Buffer, lengthField?: bigint): Buffer {
  const json = Buffer.from(header);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt.asUintN(64, lengthField ?? BigInt(json.length)));
  return Buffer.concat([head, json, data]);
}
