// Writes a small random T5 checkpoint with T5's real vocabulary (for the demo, tests and e2e).
// Usage: tsx scripts/make-tiny-t5.ts --out <dir> [--size tiny|demo] [--seed 0] [--spiece <spiece.model>]
//   tiny: d_model 32 (fast; for tests); demo: d_model 128 (learns the demo task, see DEMO_T5_CONFIG).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_T5_CONFIG, TINY_T5_CONFIG, writeRandomT5 } from '../src/core/t5/random-model';

const USAGE = 'Usage: tsx scripts/make-tiny-t5.ts --out <dir> [--size tiny|demo] [--seed 0] [--spiece <spiece.model>]';
const { values } = parseArgs({ options: { out: { type: 'string' }, size: { type: 'string', default: 'tiny' }, seed: { type: 'string', default: '0' }, spiece: { type: 'string' } } });
const config = values.size === 'demo' ? DEMO_T5_CONFIG : values.size === 'tiny' ? TINY_T5_CONFIG : undefined;
if (!values.out || !config) {
  console.error(USAGE);
  process.exit(2);
}
const spiece = values.spiece ?? resolve(__dirname, '..', '..', 'shared', 'fixtures', 't5-spiece', 'spiece.model');
writeRandomT5(values.out, { seed: Number(values.seed), spieceModel: spiece, config });
console.log(`Wrote a random T5 (d_model ${config.d_model}, T5's vocabulary) to ${values.out}`);
