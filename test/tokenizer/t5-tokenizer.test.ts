// Unit tests of the HF T5 conventions around SentencePiece. Expected ids come from golden.json (the
// reference library's output and HF's recorded conventions), never from this tokenizer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { T5Tokenizer } from '../../src/core/tokenizer';
import { PieceType, readModelProto, writeModelProto } from '../../src/core/tokenizer/model-proto';
import { loadSentencePiece } from '../../src/core/tokenizer/model-files';
import type { SentencePiece } from '../../src/core/tokenizer/spiece';
import { SKIP_NO_SHARED } from '../support/shared';
import { type GoldenCase, type GoldenFile, readDefaultGolden } from './golden-file';

describe('T5Tokenizer', { skip: SKIP_NO_SHARED }, () => {
  let golden: GoldenFile;
  let tok: T5Tokenizer;
  let sp: SentencePiece;
  let tmp: string;
  const byName = (name: string): GoldenCase & { hf_input_ids: number[] } => {
    const c = golden.cases.find((k) => k.name === name);
    assert.ok(c?.hf_input_ids, `golden case ${name}`);
    return c as GoldenCase & { hf_input_ids: number[] };
  };
  const sentinel = (n: number): number => {
    const id = golden.conventions.sentinels.examples[`<extra_id_${n}>`];
    assert.ok(id !== undefined, `golden example for <extra_id_${n}>`);
    return id;
  };

  before(async () => {
    golden = readDefaultGolden();
    tok = await T5Tokenizer.load(golden.modelPath);
    sp = await loadSentencePiece(golden.modelPath);
    tmp = mkdtempSync(join(tmpdir(), 't5-tokenizer-test-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe('loading', () => {
    const rejectsNaming = async (path: string, file: string, pattern: RegExp): Promise<void> => {
      await assert.rejects(T5Tokenizer.load(path), (err: Error) => {
        assert.ok(err.message.includes(file), `message names ${file}: ${err.message}`);
        assert.match(err.message, pattern);
        return true;
      });
    };

    test('a file that is not a SentencePiece model fails with an error naming it', async () => {
      const dir = mkdtempSync(join(tmp, 'bad-'));
      const file = join(dir, 'spiece.model');
      writeFileSync(file, '{"this": "is json, not a model"}');
      await rejectsNaming(dir, file, /not a valid SentencePiece model/);
      await rejectsNaming(file, file, /not a valid SentencePiece model/);
      writeFileSync(file, '');
      await rejectsNaming(file, file, /not a valid SentencePiece model/);
      writeFileSync(file, readFileSync(golden.modelPath).subarray(0, 4096)); // truncated real model
      await rejectsNaming(file, file, /not a valid SentencePiece model/);
    });

    test('a model SentencePiece itself rejects (no unk piece) fails with its reason', async () => {
      const real = readModelProto(readFileSync(golden.modelPath));
      const file = join(tmp, 'no-unk.model');
      const pieces = real.pieces.slice(0, 200).filter((p) => p.type !== PieceType.Unknown);
      writeFileSync(file, writeModelProto({ ...real, pieces }));
      await rejectsNaming(file, file, /SentencePiece says/);
    });

    test('a valid model without T5 <pad> </s> <unk> at 0 1 2 is refused', async () => {
      const real = readModelProto(readFileSync(golden.modelPath));
      const file = join(tmp, 'swapped.model');
      const pieces = [real.pieces[2], real.pieces[1], real.pieces[0], ...real.pieces.slice(3, 500)];
      writeFileSync(file, writeModelProto({ ...real, pieces }));
      await rejectsNaming(file, file, /not a T5 vocabulary: id 0 must be <pad>/);
    });

    test('missing paths and folders without a tokenizer are reported', async () => {
      await rejectsNaming(join(tmp, 'nope'), join(tmp, 'nope'), /does not exist/);
      const empty = mkdtempSync(join(tmp, 'empty-'));
      await rejectsNaming(empty, empty, /expected spiece\.model/);
    });
  });

  test('lone surrogates are replaced by U+FFFD and do not swallow their neighbours', () => {
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
    const texts = ['Hello\uD800 world', '\uDC00Hello world', 'Hello world\uD83D', 'café\uDE00\uD83D\uDE00 ok', 'a\uD800b'];
    for (const text of texts) {
      const fixed = text.replace(lone, '\uFFFD');
      assert.deepEqual(tok.encode(text), tok.encode(fixed), JSON.stringify(text));
      // Without the fix the wasm binding merges the surrogate with the next code unit into an
      // unrelated astral character; every piece must only hold characters of the input.
      const allowed = new Set([...fixed, '▁', ' ', ...'</s>']);
      for (const piece of tok.tokenize(text).pieces) {
        for (const ch of piece) assert.ok(allowed.has(ch), `${JSON.stringify(text)}: piece ${JSON.stringify(piece)}`);
      }
    }
    assert.match(tok.decode(tok.encode('Hello\uD800 world')), /^Hello.*world$/);
  });

  describe('special tokens in text', () => {
    test('sentinels are split out and round-trip through decode', () => {
      const hello = byName('hello_world'); // "Hello world" -> [▁Hello, ▁world]
      const text = 'Hello <extra_id_0> world <extra_id_99>';
      const ids = [hello.ids[0], sentinel(0), hello.ids[1], sentinel(99)];
      assert.deepEqual(tok.encode(text), [...ids, tok.eosId]);
      assert.deepEqual(tok.encode(text, { addEos: false }), ids);
      assert.deepEqual(tok.tokenize(text).pieces, [hello.pieces[0], '<extra_id_0>', hello.pieces[1], '<extra_id_99>', '</s>']);
      assert.equal(tok.decode(ids, { skipSpecialTokens: false }), text);
      assert.equal(tok.decode([...ids, tok.eosId], { skipSpecialTokens: false }), `${text} </s>`);
      assert.equal(tok.decode([...ids, tok.eosId]), hello.decoded, 'skipping drops sentinels and eos');
      // No space needed around a sentinel: each side is encoded on its own (HF legacy T5 behaviour).
      assert.deepEqual(tok.encode('Hello<extra_id_0>world', { addEos: false }), [hello.ids[0], sentinel(0), hello.ids[1]]);
    });

    test('all 100 sentinels follow the golden rule <extra_id_N> = <extra_id_0> - N', () => {
      for (let n = 0; n < 100; n++) {
        const token = `<extra_id_${n}>`;
        const id = sentinel(0) - n;
        assert.equal(tok.pieceToId(token), id);
        assert.equal(tok.idToPiece(id), token);
        assert.deepEqual(tok.encode(token, { addEos: false }), [id]);
        assert.equal(tok.decode([id], { skipSpecialTokens: false }), token);
        assert.equal(tok.decode([id]), '');
      }
      assert.equal(sentinel(99), tok.vocabSize, 'sentinels start right after the vocabulary');
    });

    test('strings that only look like sentinels stay text', () => {
      for (const text of ['<extra_id_100>', '<extra_id_05>', '<extra_id_-1>', '<extra_id_ 1>', '<EXTRA_ID_1>']) {
        assert.deepEqual(tok.encode(text, { addEos: false }), sp.encodeIds(text), text);
        assert.equal(tok.pieceToId(text), undefined);
      }
    });

    test('</s> <pad> <unk> literals become their ids; a final </s> is not doubled', () => {
      // HF T5Tokenizer output recorded in golden.json conventions.evidence.hf_cross_check.
      assert.match(JSON.stringify(golden.conventions), /" <\/s> test <\/s> \\" -> HF \[1, 794, 1\]/);
      assert.deepEqual(tok.encode(' </s> test </s> '), [1, 794, 1]);
      const c = golden.conventions;
      assert.deepEqual(tok.encode('<pad><unk>', { addEos: false }), [c.pad.id, c.unk.id]);
    });
  });

  describe('encodeBatch', () => {
    const names = ['hello_world', 'translate_de', 'empty', 'summarize', 'single_char'];

    test('pads with pad id 0 to the longest row, with a 0/1 attention mask', () => {
      const rows = names.map((n) => byName(n).hf_input_ids);
      const width = Math.max(...rows.map((r) => r.length));
      const batch = tok.encodeBatch(names.map((n) => byName(n).text));
      assert.equal(batch.truncated, 0);
      assert.deepEqual(batch.inputIds, rows.map((r) => [...r, ...Array<number>(width - r.length).fill(golden.conventions.pad.id)]));
      assert.deepEqual(batch.attentionMask, rows.map((r) => [...Array<number>(r.length).fill(1), ...Array<number>(width - r.length).fill(0)]));
    });

    test('truncation keeps the eos at the end, like HF', () => {
      const maxLength = 5;
      const rows = names.map((n) => byName(n).hf_input_ids);
      const expected = rows.map((r) => (r.length > maxLength ? [...r.slice(0, maxLength - 1), tok.eosId] : r));
      const batch = tok.encodeBatch(names.map((n) => byName(n).text), { maxLength, padding: 'none' });
      assert.deepEqual(batch.inputIds, expected);
      assert.deepEqual(batch.attentionMask, expected.map((r) => r.map(() => 1)));
      assert.equal(batch.truncated, rows.filter((r) => r.length > maxLength).length);
      assert.ok(batch.inputIds.every((r) => r.length <= maxLength && r[r.length - 1] === tok.eosId));
    });

    test('without eos, rows are plain SentencePiece ids cut at maxLength', () => {
      const batch = tok.encodeBatch(names.map((n) => byName(n).text), { maxLength: 3, addEos: false, padding: 'none' });
      assert.deepEqual(batch.inputIds, names.map((n) => byName(n).ids.slice(0, 3)));
      assert.deepEqual(tok.encodeBatch(['Hello world'], { maxLength: 1 }).inputIds, [[tok.eosId]]);
    });

    test('a bad maxLength is refused', () => {
      for (const maxLength of [0, -3, 2.5, Number.NaN]) {
        assert.throws(() => tok.encodeBatch(['a'], { maxLength }), /maxLength must be an integer ≥ 1/);
      }
    });
  });

  test('a long multi-line text is encoded by SentencePiece in one piece (chunking would change ids)', () => {
    const lines = golden.cases.filter((c) => c.hf_input_ids !== null).map((c) => c.text);
    const text = lines.join('\n').repeat(20); // ~80 KB
    assert.deepEqual(tok.encode(text, { addEos: false }), sp.encodeIds(text));
    // Why encode never chunks: equal-score ties resolve differently with preceding text.
    const perLine = text.split('\n').flatMap((line) => sp.encodeIds(line));
    assert.notDeepEqual(perLine, sp.encodeIds(text));
  });

  test('ids past vocabulary + sentinels (unused embedding rows) never appear in decoded text', () => {
    const hello = byName('hello_world');
    const rows = golden.conventions.model_config_vocab_size;
    assert.equal(tok.tokenCount, golden.conventions.hf_len_tokenizer);
    for (let id = tok.tokenCount; id < rows; id++) {
      const ids = [id, hello.ids[0], id, hello.ids[1], id];
      assert.equal(tok.decode(ids), hello.decoded);
      assert.equal(tok.decode(ids, { skipSpecialTokens: false }), hello.decoded);
      assert.throws(() => tok.idToPiece(id), /not a token id/);
      assert.equal(tok.displayPiece(id), `<unused_${id}>`);
    }
    assert.throws(() => tok.decode([hello.ids[0], -100]), /ids\[1\] = -100 is not a token id/);
  });

  test('decode without skipping follows HF T5Tokenizer: "<pad> text</s>"', () => {
    const d = golden.decode_cases.find((k) => k.ids[0] === golden.conventions.pad.id);
    assert.ok(d);
    // HF: convert_tokens_to_string writes special tokens literally, a space before one after text.
    assert.equal(tok.decode(d.ids, { skipSpecialTokens: false }), '<pad> Hello world</s><pad><pad>');
    assert.equal(d.text, 'Hello world');
  });

  test('displayPiece keeps the ▁ word boundary visible', () => {
    const c = byName('summarize');
    assert.deepEqual(c.ids.map((id) => tok.displayPiece(id)), c.pieces);
    assert.ok(tok.displayPiece(c.ids[0]).startsWith('▁'));
    assert.equal(tok.displayPiece(sentinel(0)), '<extra_id_0>');
    assert.equal(tok.displayPiece(tok.eosId), '</s>');
  });
});
