// Fuzz: config.json of a model folder, read and range-checked as loadT5 does before building anything.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readT5Config } from '../../src/core/t5/load';
import { DEMO_T5_CONFIG, TINY_T5_CONFIG } from '../../src/core/t5/random-model';
import { expectedShapes } from '../../src/core/t5/weights';
import { fuzzParser } from './harness';
import { scratch, sharedFile } from './fixtures';

const root = scratch('config');
const seeds = [JSON.stringify(TINY_T5_CONFIG), JSON.stringify(DEMO_T5_CONFIG), ...[sharedFile('config.json')?.toString('utf8')].filter((s): s is string => s !== undefined)];

fuzzParser('config.json', {
  defaultCases: 1500,
  makeCase: (m, i) => {
    const dir = join(root, `model-${i % 4}`);
    mkdirSync(dir, { recursive: true });
    const text = m.mutateJsonText(m.pick(seeds));
    const file = join(dir, 'config.json');
    writeFileSync(file, text, 'latin1');
    // What loadT5 builds from an accepted config before it reads weights: the table of expected tensors.
    return { file: dir, inputBytes: text.length, run: () => expectedShapes(readT5Config(dir)) };
  },
});
