// HF T5Tokenizer conventions on top of SentencePiece: eos appended (no bos), pad 0, eos 1, unk 2, the
// sentinels <extra_id_N> after the vocabulary, padding/truncation like HF. The model's embedding matrix
// may have more rows (32128) than vocabulary + sentinels (32100); those rows never decode to text.
import { quote } from '../io/errors';
import { escapeControlChars } from './display';
import { TokenizerFileError } from './errors';
import { MAX_TEXT_CHARS } from './limits';
import { loadSentencePiece } from './model-files';
import { PieceType } from './model-proto';
import { EXTRA_IDS, type Segment, sentinelId, sentinelIndex, sentinelToken, splitOnSpecialTokens } from './sentinels';
import type { SentencePiece } from './spiece';

export interface EncodeOptions {
  /** Append eos (id 1), as HF does for inputs and targets. Default true. */
  addEos?: boolean;
}

export interface BatchEncodeOptions extends EncodeOptions {
  /** Rows longer than this (eos included) are cut, keeping the eos last, like HF truncation. */
  maxLength?: number;
  /** 'longest' (default): right-pad with pad id 0 to the longest row; 'none': leave rows ragged. */
  padding?: 'longest' | 'none';
}

export interface BatchEncoding {
  inputIds: number[][]; // [batch, seq]
  attentionMask: number[][]; // [batch, seq], 1 = token, 0 = padding
  /** Number of rows that were cut to maxLength. */
  truncated: number;
}

export interface DecodeOptions {
  /**
   * Default true: drop pad, eos and sentinels and decode the rest as SentencePiece DecodeIds does
   * (unk renders as " ⁇ "), the convention of the golden decode cases. False: HF's
   * `skip_special_tokens=False` layout, e.g. "<pad> Hello world</s>", "<extra_id_0> park <extra_id_1>".
   */
  skipSpecialTokens?: boolean;
}

/** Tokens and SentencePiece's surface pieces for display (unknown text keeps its characters). */
export interface TokenizedText {
  ids: number[];
  pieces: string[];
}

const PAD = '<pad>';
const EOS = '</s>';
const UNK = '<unk>';

export class T5Tokenizer {
  readonly padId = 0 as const;
  readonly eosId = 1 as const;
  readonly unkId = 2 as const;
  /** SentencePiece pieces (32000 for T5); sentinels take the next 100 ids. */
  readonly vocabSize: number;
  private readonly pieceIds: Map<string, number>;
  private readonly controlIds: ReadonlyMap<string, number>;

  private constructor(
    private readonly spiece: SentencePiece,
    source: string,
  ) {
    const pieces = spiece.model.pieces;
    const expect: [string, PieceType][] = [
      [PAD, PieceType.Control],
      [EOS, PieceType.Control],
      [UNK, PieceType.Unknown],
    ];
    expect.forEach(([piece, type], id) => {
      if (pieces[id]?.piece !== piece || pieces[id].type !== type) {
        throw new TokenizerFileError(
          source,
          `${source} is not a T5 vocabulary: id ${id} must be ${piece} (${PieceType[type]}), ` +
            `found ${quote(pieces[id]?.piece)}.`,
        );
      }
    });
    this.vocabSize = pieces.length;
    this.pieceIds = new Map(pieces.map((p, id) => [p.piece, id]));
    this.controlIds = new Map([
      [PAD, this.padId],
      [EOS, this.eosId],
      [UNK, this.unkId],
    ]);
  }

  /** Loads from a checkpoint folder (spiece.model, else tokenizer.json) or a spiece.model file. */
  static async load(pathToDirOrSpieceModel: string): Promise<T5Tokenizer> {
    return new T5Tokenizer(await loadSentencePiece(pathToDirOrSpieceModel), pathToDirOrSpieceModel);
  }

  /** Vocabulary + sentinels: ids at or above this are unused embedding rows. */
  get tokenCount(): number {
    return this.vocabSize + EXTRA_IDS;
  }

  private segments(text: string): Segment[] {
    if (text.length > MAX_TEXT_CHARS) {
      throw new RangeError(`A text of ${text.length} characters is longer than the ${MAX_TEXT_CHARS} the tokenizer takes; shorten it.`);
    }
    return splitOnSpecialTokens(text, this.vocabSize, this.controlIds);
  }

  /**
   * Text → ids without eos: special literals become their ids, the runs between go to SentencePiece
   * whole, as HF does. Never split a run further (e.g. to chunk long texts): SentencePiece's Viterbi
   * sums scores in float32, so equal-score segmentations are broken by rounding that depends on the
   * preceding text ("----------------" after a 135-character sentence differs from it alone); only the
   * unsplit call reproduces the reference.
   */
  private encodeRaw(text: string): number[] {
    const segments = this.segments(text);
    if (segments.length === 1 && 'text' in segments[0]) return this.spiece.encodeIds(text);
    const ids: number[] = [];
    for (const s of segments) {
      if ('id' in s) ids.push(s.id);
      else for (const id of this.spiece.encodeIds(s.text)) ids.push(id);
    }
    return ids;
  }

  /** HF adds eos unless the ids already end with it (a literal "</s>" at the end of the text). */
  private withEos(ids: number[], addEos: boolean): number[] {
    if (addEos && ids[ids.length - 1] !== this.eosId) ids.push(this.eosId);
    return ids;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    return this.withEos(this.encodeRaw(text), opts.addEos ?? true);
  }

  /** Like encode, with SentencePiece's pieces beside the ids (for `prompt-tune tokenize`). */
  tokenize(text: string, opts: EncodeOptions = {}): TokenizedText {
    const ids: number[] = [];
    const pieces: string[] = [];
    for (const s of this.segments(text)) {
      if ('id' in s) {
        ids.push(s.id);
        pieces.push(s.literal);
        continue;
      }
      const runIds = this.spiece.encodeIds(s.text);
      const runPieces = this.spiece.encodePieces(s.text);
      if (runIds.length !== runPieces.length) {
        throw new Error(`SentencePiece gave ${runIds.length} ids but ${runPieces.length} pieces for ${JSON.stringify(s.text)}`);
      }
      ids.push(...runIds);
      pieces.push(...runPieces);
    }
    if ((opts.addEos ?? true) && ids[ids.length - 1] !== this.eosId) {
      ids.push(this.eosId);
      pieces.push(EOS);
    }
    return { ids, pieces };
  }

  encodeBatch(texts: string[], opts: BatchEncodeOptions = {}): BatchEncoding {
    const addEos = opts.addEos ?? true;
    const { maxLength } = opts;
    const specials = addEos ? 1 : 0;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) {
      throw new RangeError(`encodeBatch: maxLength must be an integer ≥ 1, got ${maxLength}`);
    }
    let truncated = 0;
    const rows = texts.map((text) => {
      let ids = this.encodeRaw(text);
      // HF: cut the text's ids so that they plus the eos fit, then add the eos.
      if (maxLength !== undefined && ids.length + specials > maxLength) {
        ids = ids.slice(0, maxLength - specials);
        truncated++;
      }
      return this.withEos(ids, addEos);
    });
    const width = opts.padding === 'none' ? 0 : Math.max(0, ...rows.map((r) => r.length));
    const pad = (row: number[], value: number): number[] =>
      row.length < width ? row.concat(new Array<number>(width - row.length).fill(value)) : row;
    return {
      inputIds: rows.map((r) => pad(r, this.padId)),
      attentionMask: rows.map((r) => pad(new Array<number>(r.length).fill(1), 0)),
      truncated,
    };
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0) {
        throw new RangeError(`decode: ids[${i}] = ${id} is not a token id (ids are integers ≥ 0; -100 label masks must be removed first)`);
      }
    });
    // Embedding rows past vocabulary + sentinels have no text.
    const known = ids.filter((id) => id < this.tokenCount);
    if (opts.skipSpecialTokens ?? true) {
      return this.spiece.decodeIds(known.filter((id) => id < this.vocabSize && id !== this.padId && id !== this.eosId));
    }
    return this.decodeWithSpecials(known);
  }

  /**
   * HF slow T5Tokenizer._decode with skip_special_tokens=False: sentinels are separate sub-texts joined
   * by spaces; inside a sub-text, <pad>/</s>/<unk> are written literally, with a space before one that
   * follows ordinary text (convert_tokens_to_string), and the result is trimmed.
   */
  private decodeWithSpecials(ids: readonly number[]): string {
    const subTexts: string[] = [];
    let current: number[] = [];
    for (const id of ids) {
      const n = sentinelIndex(id, this.vocabSize);
      if (n === undefined) {
        current.push(id);
        continue;
      }
      if (current.length > 0) {
        const text = this.tokensToString(current);
        if (text.length > 0) subTexts.push(text);
        current = [];
      }
      subTexts.push(sentinelToken(n));
    }
    if (current.length > 0) subTexts.push(this.tokensToString(current));
    return subTexts.join(' ');
  }

  private tokensToString(ids: readonly number[]): string {
    let out = '';
    let run: number[] = [];
    let prevSpecial = false;
    for (const id of ids) {
      if (id === this.padId || id === this.eosId || id === this.unkId) {
        if (!prevSpecial) out += ' ';
        out += this.spiece.decodeIds(run) + this.idToPiece(id);
        run = [];
        prevSpecial = true;
      } else {
        run.push(id);
        prevSpecial = false;
      }
    }
    return (out + this.spiece.decodeIds(run)).trim();
  }

  /** Raw piece: '▁the', '</s>', '<extra_id_0>'. Throws for ids outside vocabulary + sentinels. */
  idToPiece(id: number): string {
    if (Number.isInteger(id) && id >= 0 && id < this.vocabSize) return this.spiece.model.pieces[id].piece;
    const n = Number.isInteger(id) ? sentinelIndex(id, this.vocabSize) : undefined;
    if (n !== undefined) return sentinelToken(n);
    throw new RangeError(`idToPiece: ${id} is not a token id (0..${this.tokenCount - 1})`);
  }

  /**
   * Piece for UI lists (e.g. nearest-vocabulary views): the word-boundary marker stays visible as
   * `▁` (U+2581, as SentencePiece and HF print it); control characters are shown as \u escapes;
   * embedding rows past vocabulary + sentinels show as `<unused_ID>`.
   */
  displayPiece(id: number): string {
    if (Number.isInteger(id) && id >= this.tokenCount) return `<unused_${id}>`;
    return escapeControlChars(this.idToPiece(id));
  }

  /** Id of a raw piece or special token literal; undefined if it is not in the vocabulary. */
  pieceToId(piece: string): number | undefined {
    const id = this.pieceIds.get(piece);
    if (id !== undefined) return id;
    const m = /^<extra_id_(0|[1-9]\d?)>$/.exec(piece);
    return m ? sentinelId(Number(m[1]), this.vocabSize) : undefined;
  }
}
