// A small random T5 with T5's real vocabulary, made once per test process in a temp folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomT5 } from '../../src/core/t5/random-model';
import { SHARED_DIR } from './shared';

export const SPIECE_MODEL = join(SHARED_DIR, 'fixtures', 't5-spiece', 'spiece.model');

let dir: string | undefined;
export function tinyModelDir(): string {
  if (!dir) {
    const made = mkdtempSync(join(tmpdir(), 'pt-tiny-t5-'));
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
    dir = made;
    writeRandomT5(dir, { seed: 0, spieceModel: SPIECE_MODEL });
  }
  return dir;
}
