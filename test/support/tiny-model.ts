// A small random T5 with T5's real vocabulary, made once per test process in a temp folder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomT5 } from '../../src/core/t5/random-model';
import { SHARED_DIR } from './shared';

export const SPIECE_MODEL = join(SHARED_DIR, 'fixtures', 't5-spiece', 'spiece.model');

let dir: string | undefined;
export function tinyModelDir(): string {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'pt-tiny-t5-'));
    writeRandomT5(dir, { seed: 0, spieceModel: SPIECE_MODEL });
  }
  return dir;
}
