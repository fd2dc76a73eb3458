// Every golden case (../shared/fixtures/t5-spiece/golden.json and the files in SPIECE_GOLDEN_FILES):
// SentencePiece ids/pieces/decodes of the reference library, and HF T5's eos/sentinel conventions.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T5Tokenizer } from '../../src/core/tokenizer';
import { loadSentencePiece } from '../../src/core/tokenizer/model-files';
import type { SentencePiece } from '../../src/core/tokenizer/spiece';
import { SKIP_NO_SHARED } from '../support/shared';
import { type GoldenFile, goldenPaths, readGolden, sha256 } from './golden-file';

const paths = goldenPaths();
// Without ../shared and SPIECE_GOLDEN_FILES (a user's clone) one skipped test says why.
if (paths.length === 0) test('golden tokenization files', { skip: SKIP_NO_SHARED || 'no golden files' }, () => {});

for (const path of paths) {
  let golden: GoldenFile;
  try {
    golden = readGolden(path);
  } catch (err) {
    throw new Error(`Cannot read golden file ${path} (default or SPIECE_GOLDEN_FILES): ${(err as Error).message}`);
  }
  describe(`golden ${path}`, () => {
    let tok: T5Tokenizer;
    let sp: SentencePiece;
    before(async () => {
      tok = await T5Tokenizer.load(golden.modelPath);
      sp = await loadSentencePiece(golden.modelPath);
    });

    test('model file is the one the golden was made with', () => {
      if (golden.model.sha256) assert.equal(sha256(golden.modelPath), golden.model.sha256);
    });

    test('vocabulary size, special ids and first pieces', () => {
      const c = golden.conventions;
      assert.equal(tok.vocabSize, c.sentencepiece_piece_size);
      assert.equal(tok.vocabSize, golden.model.piece_size);
      assert.equal(tok.tokenCount, c.hf_len_tokenizer);
      assert.ok(c.model_config_vocab_size >= tok.tokenCount);
      assert.deepEqual([tok.padId, tok.eosId, tok.unkId], [c.pad.id, c.eos.id, c.unk.id]);
      assert.deepEqual([tok.idToPiece(c.pad.id), tok.idToPiece(c.eos.id), tok.idToPiece(c.unk.id)], [c.pad.token, c.eos.token, c.unk.token]);
      for (const [id, piece, score] of golden.model.first_pieces ?? []) {
        assert.equal(tok.idToPiece(id), piece);
        assert.equal(tok.pieceToId(piece), id);
        assert.equal(sp.model.pieces[id].score, Math.fround(score), `score of ${piece}`);
      }
    });

    test('sentinel ids', () => {
      for (const [token, id] of Object.entries(golden.conventions.sentinels.examples)) {
        assert.equal(tok.pieceToId(token), id, token);
        assert.equal(tok.idToPiece(id), token);
        assert.deepEqual(tok.encode(token), [id, golden.conventions.eos.id], `encode(${token})`);
      }
    });

    for (const c of golden.cases) {
      test(`case ${c.name}`, () => {
        assert.deepEqual(sp.encodeIds(c.text), c.ids, 'SentencePiece ids');
        assert.deepEqual(sp.encodePieces(c.text), c.pieces, 'SentencePiece pieces');
        c.ids.forEach((id, i) => {
          if (c.unk_positions.includes(i)) assert.equal(id, tok.unkId, `unk at ${i}`);
          else assert.equal(tok.idToPiece(id), c.pieces[i], `idToPiece(${id}) at ${i}`);
        });
        assert.equal(tok.decode(c.ids), c.decoded, 'decode(ids)');
        if (c.hf_input_ids === null) return; // holds special literals: HF splits them out (see unit tests)
        assert.deepEqual(tok.encode(c.text), c.hf_input_ids, 'encode (HF input_ids)');
        assert.deepEqual(tok.encode(c.text, { addEos: false }), c.ids, 'encode without eos');
        assert.deepEqual(tok.tokenize(c.text), { ids: c.hf_input_ids, pieces: [...c.pieces, golden.conventions.eos.token] });
        assert.equal(tok.decode(c.hf_input_ids), c.decoded, 'decode(hf_input_ids)');
      });
    }

    for (const [i, d] of golden.decode_cases.entries()) {
      test(`decode case ${i}: ${JSON.stringify(d.ids)}`, () => {
        assert.equal(tok.decode(d.ids), d.text);
        assert.equal(tok.decode(d.ids, { skipSpecialTokens: true }), d.text);
        assert.deepEqual(d.ids.map((id) => tok.idToPiece(id)), d.pieces);
        assert.deepEqual(d.pieces.map((p) => tok.pieceToId(p)), d.ids);
      });
    }
  });
}
