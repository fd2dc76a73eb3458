// Fuzz: safetensors headers and bytes, read whole (readSafetensors) and streamed from disk.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, streamSafetensors } from '../../src/core/io/safetensors';
import { fuzzParser } from './harness';
import { joinSafetensors, safetensorsSeeds, scratch, splitSafetensors } from './fixtures';

const dir = scratch('safetensors');
const seeds = safetensorsSeeds();

fuzzParser('safetensors', {
  defaultCases: 600,
  makeCase: (m, i) => {
    const seed = m.pick(seeds);
    let bytes: Buffer;
    if (m.chance(0.5)) {
      // The header as JSON: hostile shapes, offsets, dtypes, names; the length field right or hostile.
      const { header, data } = splitSafetensors(seed);
      const length = m.chance(0.8) ? undefined : BigInt(m.pick([0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 53, 2 ** 60, Number.MAX_SAFE_INTEGER])) + BigInt(m.int(3));
      bytes = joinSafetensors(m.mutateJsonText(header), m.chance(0.8) ? data : m.mutateBytes(data), length);
    } else {
      bytes = m.mutateBytes(seed);
    }
    const file = join(dir, `case-${i % 4}.safetensors`);
    writeFileSync(file, bytes);
    const run = m.chance(0.5) ? () => streamSafetensors(file, () => undefined) : () => readSafetensors(readFileSync(file), file);
    return { file, inputBytes: bytes.length, run };
  },
});
