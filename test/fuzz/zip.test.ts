// Fuzz: pytorch_model.bin as a zip archive: the central directory, ZIP64 fields, local headers and
// members (stored and deflated), read as the model loader reads them (zip, pickle, storages).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPytorchBin } from '../../src/core/io/torch-checkpoint';
import { ZipArchive } from '../../src/core/io/zip';
import { torchBin } from '../support/torch-files';
import { fuzzParser, type Mutator } from './harness';
import { scratch, sharedFile } from './fixtures';

const dir = scratch('zip');
const tensors = {
  'shared.weight': { storage: Float32Array.from({ length: 12 }, (_, i) => i), shape: [3, 4] },
  'lm_head.weight': { storage: Float32Array.from({ length: 12 }, (_, i) => i), shape: [4, 3], stride: [1, 4], key: '0' },
  'final.weight': { storage: new Float32Array(4).fill(1), shape: [4] },
};
const seeds = [torchBin(tensors), torchBin(tensors, { deflate: true }), ...[sharedFile('pytorch_model.bin')].filter((b): b is Buffer => b !== undefined)];

/** Overwrites one field of a central-directory entry or the end record with a hostile number. */
function mutateRecord(m: Mutator, bytes: Buffer): Buffer {
  const b = Buffer.from(bytes);
  const eocd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries: number[] = [];
  for (let at = b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) entries.push(at);
  const value = m.pick([0, 1, 8, 0xffff, 0xffffffff, 0x7fffffff, b.length, b.length - 1, b.length + 1, m.int(b.length)]);
  if (m.chance(0.3) && eocd >= 0) {
    const [offset, width] = m.pick([[8, 2], [10, 2], [12, 4], [16, 4], [20, 2]] as const);
    if (width === 2) b.writeUInt16LE(value & 0xffff, eocd + offset);
    else b.writeUInt32LE(value >>> 0, eocd + offset);
  } else if (entries.length > 0) {
    const entry = m.pick(entries);
    const [offset, width] = m.pick([[10, 2], [20, 4], [24, 4], [28, 2], [30, 2], [32, 2], [42, 4]] as const);
    if (width === 2) b.writeUInt16LE(value & 0xffff, entry + offset);
    else b.writeUInt32LE(value >>> 0, entry + offset);
  }
  return b;
}

fuzzParser('zip', {
  defaultCases: 800,
  makeCase: (m, i) => {
    const seed = m.pick(seeds);
    const bytes = m.chance(0.5) ? mutateRecord(m, seed) : m.mutateBytes(seed);
    const file = join(dir, `case-${i % 4}.bin`);
    writeFileSync(file, bytes);
    const run = m.chance(0.7)
      ? () => readPytorchBin(file, () => undefined)
      : () => {
          const zip = new ZipArchive(file);
          try {
            for (const name of zip.entries.keys()) zip.read(name, 1 << 20);
          } finally {
            zip.close();
          }
        };
    return { file, inputBytes: bytes.length, run };
  },
});
