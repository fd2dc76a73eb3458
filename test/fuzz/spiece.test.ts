// Fuzz: spiece.model, loaded as a T5 tokenizer (our ModelProto reader, then SentencePiece's wasm) and
// used once. Cases start from T5's own model cut to 300 pieces, mostly without its 232 KB charsmap
// (a load then takes ~25 ms instead of ~70).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { T5Tokenizer } from '../../src/core/tokenizer';
import { readModelProto, writeModelProto } from '../../src/core/tokenizer/model-proto';
import { SHARED_PRESENT, SKIP_NO_SHARED } from '../support/shared';
import { SPIECE_MODEL } from '../support/tiny-model';
import { fuzzParser } from './harness';
import { scratch } from './fixtures';

if (!SHARED_PRESENT) {
  test('fuzz spiece.model', { skip: SKIP_NO_SHARED }, () => {});
} else {
  const dir = scratch('spiece');
  const t5 = readModelProto(readFileSync(SPIECE_MODEL));
  const cut = { ...t5, pieces: t5.pieces.slice(0, 300), trainerSpec: { ...t5.trainerSpec, vocabSize: 300 } };
  const withCharsmap = Buffer.from(writeModelProto(cut));
  const plain = Buffer.from(writeModelProto({ ...cut, normalizerSpec: { ...cut.normalizerSpec, name: 'identity', precompiledCharsmap: new Uint8Array(0) } }));

  fuzzParser('spiece.model', {
    defaultCases: 120,
    makeCase: (m, i) => {
      const bytes = m.mutateBytes(m.chance(0.15) ? withCharsmap : plain);
      const file = join(dir, `case-${i % 4}.model`);
      writeFileSync(file, bytes);
      return {
        file,
        inputBytes: bytes.length,
        run: async () => {
          const tok = await T5Tokenizer.load(file);
          tok.decode(tok.encode('Hello wörld, <extra_id_0> ４２ \u0000 tabs\tand\nlines'));
        },
      };
    },
  });
}
