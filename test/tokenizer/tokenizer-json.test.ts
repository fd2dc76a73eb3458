// A checkpoint that ships only tokenizer.json: the SentencePiece model rebuilt from it must encode every
// golden case exactly like spiece.model. The tokenizer.json files here are written in the two shapes HF's
// T5Converter produces (transformers' convert_slow_tokenizer.py, older and current), from the real model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { T5Tokenizer } from '../../src/core/tokenizer';
import { loadSentencePiece } from '../../src/core/tokenizer/model-files';
import { type ModelProto, PieceType, readModelProto } from '../../src/core/tokenizer/model-proto';
import { modelProtoFromTokenizerJson } from '../../src/core/tokenizer/tokenizer-json';
import { SKIP_NO_SHARED } from '../support/shared';
import { type GoldenFile, readDefaultGolden } from './golden-file';

type Shape = 'current' | 'older';

interface HfTokenizerJson {
  version: string;
  added_tokens: { id: number; content: string; special: boolean }[];
  normalizer: { type: string; normalizers?: object[]; precompiled_charsmap?: string };
  pre_tokenizer: { type: string; [option: string]: unknown };
  model: { type: string; unk_id: number; vocab: [string, number][]; byte_fallback?: boolean };
}

/** What HF's T5Converter writes for a spiece.model (vocab + 100 sentinels, specials as added tokens). */
function hfTokenizerJson(model: ModelProto, shape: Shape): HfTokenizerJson {
  const charsmap = Buffer.from(model.normalizerSpec.precompiledCharsmap).toString('base64');
  const sentinels = Array.from({ length: 100 }, (_, i) => `<extra_id_${99 - i}>`);
  const vocab: [string, number][] = [...model.pieces.map((p): [string, number] => [p.piece, p.score]), ...sentinels.map((s): [string, number] => [s, 0])];
  const special = (id: number, content: string) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  });
  const added = [
    ...model.pieces.flatMap((p, id) => (p.type === PieceType.Normal ? [] : [special(id, p.piece)])),
    ...sentinels.map((s, i) => special(model.pieces.length + i, s)),
  ];
  const precompiled = { type: 'Precompiled', precompiled_charsmap: charsmap };
  return {
    version: '1.0',
    added_tokens: added,
    normalizer:
      shape === 'current'
        ? {
            type: 'Sequence',
            normalizers: [
              precompiled,
              { type: 'Strip', strip_left: false, strip_right: true },
              { type: 'Replace', pattern: { Regex: ' {2,}' }, content: '▁' },
            ],
          }
        : precompiled,
    pre_tokenizer:
      shape === 'current'
        ? { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }
        : {
            type: 'Sequence',
            pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', add_prefix_space: true }],
          },
    model: { type: 'Unigram', unk_id: 2, vocab, ...(shape === 'current' ? { byte_fallback: false } : {}) },
  };
}

describe('tokenizer.json without spiece.model', { skip: SKIP_NO_SHARED }, () => {
  let golden: GoldenFile;
  let real: ModelProto;
  let tmp: string;
  before(() => {
    golden = readDefaultGolden();
    real = readModelProto(readFileSync(golden.modelPath));
    tmp = mkdtempSync(join(tmpdir(), 'tokenizer-json-test-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const shape of ['current', 'older'] as const) {
    test(`${shape} HF shape: rebuilt model equals spiece.model and encodes every golden case`, async () => {
      const json = hfTokenizerJson(real, shape);
      const rebuilt = modelProtoFromTokenizerJson(json, 'tokenizer.json');
      assert.deepEqual(rebuilt.pieces, real.pieces);
      assert.deepEqual(rebuilt.normalizerSpec.precompiledCharsmap, real.normalizerSpec.precompiledCharsmap);

      const dir = mkdtempSync(join(tmp, `${shape}-`));
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
      const tok = await T5Tokenizer.load(dir);
      const sp = await loadSentencePiece(join(dir, 'tokenizer.json'));
      assert.equal(tok.vocabSize, golden.conventions.sentencepiece_piece_size);
      for (const c of golden.cases) {
        assert.deepEqual(sp.encodeIds(c.text), c.ids, c.name);
        assert.deepEqual(sp.encodePieces(c.text), c.pieces, c.name);
        if (c.hf_input_ids) assert.deepEqual(tok.encode(c.text), c.hf_input_ids, c.name);
        assert.equal(tok.decode(c.ids), c.decoded, c.name);
      }
    });
  }

  test('anything SentencePiece cannot reproduce is refused, asking for spiece.model', () => {
    const edits: [string, (j: HfTokenizerJson) => void][] = [
      ['byte fallback', (j) => (j.model.byte_fallback = true)],
      ['BPE model', (j) => (j.model.type = 'BPE')],
      ['lowercasing', (j) => j.normalizer.normalizers?.push({ type: 'Lowercase' })],
      ['no charsmap', (j) => (j.normalizer.normalizers = j.normalizer.normalizers?.slice(1))],
      ['byte-level pre-tokenizer', (j) => (j.pre_tokenizer = { type: 'ByteLevel' })],
      ['prefix only before the first word', (j) => (j.pre_tokenizer.prepend_scheme = 'first')],
      ['user-defined token', (j) => j.added_tokens.push({ id: 100, content: j.model.vocab[100][0], special: false })],
      ['50 sentinels', (j) => (j.model.vocab = j.model.vocab.slice(0, -50))],
    ];
    for (const [what, edit] of edits) {
      const json = hfTokenizerJson(real, 'current');
      edit(json);
      assert.throws(() => modelProtoFromTokenizerJson(json, '/ckpt/tokenizer.json'), (err: Error) => {
        assert.match(err.message, /^\/ckpt\/tokenizer\.json: cannot rebuild the SentencePiece model exactly/, what);
        assert.match(err.message, /spiece\.model/, what);
        return true;
      });
    }
  });
});
