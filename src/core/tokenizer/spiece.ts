// The real SentencePiece (C++ compiled to wasm by @agnai/sentencepiece-js) plus the vocabulary read from
// the same model file. Guards against the library's quiet failure modes: a file that is not a model
// loads "fine" and encodes everything to [], lone UTF-16 surrogates corrupt its UTF-8 conversion,
// and a failure inside the wasm module (a damaged model, an out-of-memory abort) surfaces as a bare
// RuntimeError: every call is wrapped so it ends in an error naming the model file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentencePieceProcessor } from '@agnai/sentencepiece-js';
import { readRegularFile } from '../io/file-access';
import { TokenizerFileError } from './errors';
import { MAX_TEXT_CHARS, MAX_TOKENIZER_FILE_BYTES } from './limits';
import { type ModelProto, ModelProtoError, readModelProto } from './model-proto';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces lone surrogates with U+FFFD, as a UTF-8 encoder must: SentencePiece itself treats
 * malformed UTF-8 as U+FFFD, and the wasm binding would otherwise glue a lone surrogate to the
 * next character.
 */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

export class SentencePiece {
  private constructor(
    private readonly processor: SentencePieceProcessor,
    /** The model's vocabulary, index = id. */
    readonly model: ModelProto,
    /** The model file, for errors. */
    private readonly source: string,
  ) {}

  /** Loads a `spiece.model` file; throws an error naming the file if it is not a SentencePiece model. */
  static async fromFile(path: string): Promise<SentencePiece> {
    const bytes = readRegularFile(path, { maxBytes: MAX_TOKENIZER_FILE_BYTES, what: 'a SentencePiece model', hint: "T5's spiece.model is 0.8 MB." }, TokenizerFileError);
    return SentencePiece.load(path, bytes, path);
  }

  /** Loads a serialized ModelProto made in memory (from tokenizer.json); `label` names it in errors. */
  static async fromBytes(bytes: Uint8Array, label: string): Promise<SentencePiece> {
    // The library only reads models from a path.
    const dir = mkdtempSync(join(tmpdir(), 'prompt-tuner-spiece-'));
    const tmp = join(dir, 'spiece.model');
    writeFileSync(tmp, bytes);
    try {
      return await SentencePiece.load(tmp, bytes, label);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private static async load(path: string, bytes: Uint8Array, label: string): Promise<SentencePiece> {
    const invalid = (why: string): Error =>
      new TokenizerFileError(
        label,
        `${label} is not a valid SentencePiece model (${why}). ` +
          'Point --model at a T5 checkpoint folder containing spiece.model, or at the spiece.model file itself.',
      );
    let model: ModelProto;
    try {
      model = readModelProto(bytes);
    } catch (err) {
      if (err instanceof ModelProtoError) throw invalid(err.message);
      throw err;
    }
    const processor = new SentencePieceProcessor();
    let canary: number[];
    try {
      await processor.load(path);
      const status = processor.processor.status();
      const message = status.ToString();
      status.delete();
      if (message !== 'OK') throw invalid(`SentencePiece says: ${message}`);
      // Canary: any loaded model maps non-empty text to at least one id within its vocabulary.
      canary = processor.encodeIds('a');
    } catch (err) {
      if (err instanceof TokenizerFileError) throw err;
      throw invalid(`SentencePiece failed: ${describe(err)}`);
    }
    if (canary.length === 0 || canary.some((id) => id < 0 || id >= model.pieces.length)) {
      throw invalid(`encoding "a" gave [${canary.join(', ')}]`);
    }
    return new SentencePiece(processor, model, label);
  }

  /** Runs a call into the wasm module; its failures name the model file and the text's size. */
  private call<T>(what: string, text: string, run: () => T): T {
    if (text.length > MAX_TEXT_CHARS) {
      throw new RangeError(`A text of ${text.length} characters is longer than the ${MAX_TEXT_CHARS} the tokenizer takes; shorten it.`);
    }
    try {
      return run();
    } catch (err) {
      throw new TokenizerFileError(this.source, `${this.source}: SentencePiece failed to ${what} a text of ${text.length} characters (${describe(err)}); the model file may be damaged.`);
    }
  }

  get pieceCount(): number {
    return this.model.pieces.length;
  }

  /** SentencePiece EncodeAsIds: no bos/eos, no sampling. */
  encodeIds(text: string): number[] {
    return this.call('encode', text, () => this.processor.encodeIds(toWellFormed(text)));
  }

  /** SentencePiece EncodeAsPieces: unknown pieces keep their surface text (not "<unk>"). */
  encodePieces(text: string): string[] {
    return this.call('split', text, () => this.processor.encodePieces(toWellFormed(text)));
  }

  /** SentencePiece DecodeIds: drops control ids, renders unk as " ⁇ ". Ids must be < pieceCount. */
  decodeIds(ids: readonly number[]): string {
    return ids.length === 0 ? '' : this.call('decode', '', () => this.processor.decodeIds([...ids]));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
