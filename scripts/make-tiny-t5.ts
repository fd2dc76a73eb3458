// Writes a small random T5 checkpoint with T5's real vocabulary (for the demo, tests and e2e).
// Usage: tsx scripts/make-tiny-t5.ts --out <dir> [--seed 0] [--spiece <spiece.model>]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeRandomT5 } from '../src/core/t5/random-model';

const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string', default: '0' }, spiece: { type: 'string' } } });
if (!values.out) {
  console.error('Usage: tsx scripts/make-tiny-t5.ts --out <dir> [--seed 0] [--spiece <spiece.model>]');
  process.exit(2);
}
const spiece = values.spiece ?? resolve(__dirname, '..', '..', 'shared', 'fixtures', 't5-spiece', 'spiece.model');
writeRandomT5(values.out, { seed: Number(values.seed), spieceModel: spiece });
console.log(`Wrote a random T5 (d_model 32, T5 vocabulary) to ${values.out}`);
