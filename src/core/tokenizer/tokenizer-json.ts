// Rebuilds a SentencePiece model from a HF `tokenizer.json` (Unigram), for checkpoints that ship no
// spiece.model. It is exact only when the JSON carries everything SentencePiece encodes with: the
// pieces with their float32 scores, the precompiled NFKC charsmap, and whitespace handling that is
// SentencePiece's own (dummy prefix, collapse runs, ▁ escaping) — the shapes HF's converters write for
// T5. Anything else (byte fallback, other normalizers, extra added tokens inside the vocabulary whose
// SentencePiece type is lost) is refused with an error asking for spiece.model.
import { quote } from '../io/errors';
import { TokenizerFileError } from './errors';
import { type ModelPiece, type ModelProto, PieceType } from './model-proto';
import { EXTRA_IDS, sentinelToken } from './sentinels';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The normalizers HF writes for SentencePiece's own whitespace handling (no-ops after Precompiled here). */
function isSpieceWhitespaceStep(n: Json): boolean {
  if (n.type === 'Strip') return true;
  if (n.type !== 'Replace' || !isObject(n.pattern)) return false;
  return n.pattern.Regex === ' {2,}' && (n.content === ' ' || n.content === '▁');
}

function precompiledCharsmap(normalizer: unknown, fail: (why: string) => Error): Uint8Array {
  const steps = isObject(normalizer) && normalizer.type === 'Sequence' ? normalizer.normalizers : [normalizer];
  if (!Array.isArray(steps)) throw fail('normalizer.normalizers is not a list');
  let charsmap: Uint8Array | undefined;
  for (const step of steps) {
    if (!isObject(step)) throw fail('normalizer is missing');
    if (step.type === 'Precompiled' && typeof step.precompiled_charsmap === 'string' && !charsmap) {
      charsmap = Buffer.from(step.precompiled_charsmap, 'base64');
    } else if (!isSpieceWhitespaceStep(step)) {
      throw fail(`normalizer step ${quote(step.type)} has no SentencePiece equivalent`);
    }
  }
  if (!charsmap || charsmap.length === 0) throw fail('normalizer has no Precompiled charsmap');
  return charsmap;
}

function checkMetaspace(preTokenizer: unknown, fail: (why: string) => Error): void {
  const steps = isObject(preTokenizer) && preTokenizer.type === 'Sequence' ? preTokenizer.pretokenizers : [preTokenizer];
  if (!Array.isArray(steps)) throw fail('pre_tokenizer.pretokenizers is not a list');
  let metaspace = false;
  for (const step of steps) {
    if (!isObject(step)) throw fail('pre_tokenizer is missing');
    if (step.type === 'WhitespaceSplit') continue;
    const prefix = step.add_prefix_space === true || step.prepend_scheme === 'always';
    if (step.type !== 'Metaspace' || step.replacement !== '▁' || !prefix || step.split === false) {
      throw fail(`pre_tokenizer ${quote(step)} is not SentencePiece's Metaspace with a dummy prefix`);
    }
    metaspace = true;
  }
  if (!metaspace) throw fail('pre_tokenizer has no Metaspace step');
}

/** Index where the trailing <extra_id_99>..<extra_id_0> entries (HF's T5 sentinels) start. */
function sentinelStart(vocab: readonly unknown[][], fail: (why: string) => Error): number {
  let start = vocab.length;
  while (start > 0 && /^<extra_id_\d+>$/.test(String(vocab[start - 1][0]))) start--;
  const count = vocab.length - start;
  if (count === 0) return start;
  for (let i = 0; i < count; i++) {
    if (count !== EXTRA_IDS || vocab[start + i][0] !== sentinelToken(EXTRA_IDS - 1 - i)) {
      throw fail(`model.vocab ends with ${count} <extra_id_N> entries, not T5's <extra_id_99>..<extra_id_0>`);
    }
  }
  return start;
}

/**
 * Builds the ModelProto of the SentencePiece model a T5 tokenizer.json was converted from.
 * `path` names the file in errors.
 */
export function modelProtoFromTokenizerJson(json: unknown, path: string): ModelProto {
  const fail = (why: string): Error =>
    new TokenizerFileError(
      path,
      `${path}: cannot rebuild the SentencePiece model exactly (${why}). ` +
        'Put the checkpoint\'s spiece.model beside it (T5, T5 1.1 and FLAN-T5 all use the same one).',
    );
  if (!isObject(json) || !isObject(json.model)) throw fail('no "model" object');
  const model = json.model;
  if (model.type !== 'Unigram') throw fail(`model.type is ${quote(model.type)}, not "Unigram"`);
  if (model.byte_fallback === true) throw fail('model.byte_fallback is true');
  if (typeof model.unk_id !== 'number') throw fail('model.unk_id is missing');
  const vocab = model.vocab;
  const entryOk = (e: unknown): e is [string, number] =>
    Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'number';
  if (!Array.isArray(vocab) || !vocab.every(entryOk)) throw fail('model.vocab is not a list of [piece, score]');
  const charsmap = precompiledCharsmap(json.normalizer, fail);
  checkMetaspace(json.pre_tokenizer, fail);

  const pieceCount = sentinelStart(vocab, fail);
  const special = new Map<number, string>();
  for (const t of Array.isArray(json.added_tokens) ? json.added_tokens : []) {
    const id: unknown = isObject(t) ? t.id : undefined;
    if (!isObject(t) || typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocab.length || typeof t.content !== 'string') {
      throw fail('an added_tokens entry is not {id: an index into model.vocab, content: a string}');
    }
    if (id >= pieceCount && vocab[id][0] === t.content) continue; // a sentinel
    if (id >= pieceCount || t.special !== true || vocab[id][0] !== t.content) {
      throw fail(`added token ${quote(t.content)} (id ${id}) has no SentencePiece equivalent`);
    }
    special.set(id, t.content);
  }
  if (!special.has(model.unk_id)) throw fail(`unk_id ${model.unk_id} is not a special added token`);

  const pieces: ModelPiece[] = vocab.slice(0, pieceCount).map(([piece, score], id) => ({
    piece,
    // JSON holds the float32 score widened to float64; fround recovers the exact value.
    score: Math.fround(score),
    type: id === model.unk_id ? PieceType.Unknown : special.has(id) ? PieceType.Control : PieceType.Normal,
  }));
  const idOf = (piece: string): number => pieces.findIndex((p) => p.piece === piece && p.type === PieceType.Control);
  return {
    pieces,
    trainerSpec: { vocabSize: pieceCount, unkId: model.unk_id, bosId: idOf('<s>'), eosId: idOf('</s>'), padId: idOf('<pad>') },
    normalizerSpec: {
      name: 'nmt_nfkc',
      precompiledCharsmap: charsmap,
      addDummyPrefix: true,
      removeExtraWhitespaces: true,
      escapeWhitespaces: true,
    },
  };
}
