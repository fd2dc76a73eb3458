// A SentencePiece model for a golden fixture's small vocabulary (its models ship no tokenizer): id
// i >= 3 is the piece "▁t<i>", so the text "t17 t5" encodes to [17, 5, eos] in our tokenizer and in
// HF's T5Tokenizer alike. The fixtures' ids become data a user could write.
import assert from 'node:assert/strict';
import { writeModelProto, PieceType } from '../../src/core/tokenizer/model-proto';

export function idVocabulary(vocabSize: number): Uint8Array {
  return writeModelProto({
    pieces: [
      { piece: '<pad>', score: 0, type: PieceType.Control },
      { piece: '</s>', score: 0, type: PieceType.Control },
      { piece: '<unk>', score: 0, type: PieceType.Unknown },
      ...Array.from({ length: vocabSize - 3 }, (_, i) => ({ piece: `▁t${i + 3}`, score: -1, type: PieceType.Normal })),
    ],
    trainerSpec: { vocabSize, unkId: 2, bosId: -1, eosId: 1, padId: 0 },
    normalizerSpec: { name: 'identity', precompiledCharsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true },
  });
}

/** ids ending in eos (1) -> the text that encodes back to them. */
export function idText(ids: number[]): string {
  assert.equal(ids.at(-1), 1, 'fixture rows end with eos');
  assert.ok(ids.slice(0, -1).every((id) => id >= 3), 'fixture rows hold no special ids before eos');
  return ids.slice(0, -1).map((id) => `t${id}`).join(' ');
}
