// The real SentencePiece (C++ compiled to wasm by @agnai/sentencepiece-js) plus the vocabulary read from
// the same model file. Guards against the library's quiet failure modes: a file that is not a model
// loads "fine" and encodes everything to [], and lone UTF-16 surrogates corrupt its UTF-8 conversion.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentencePieceProcessor } from '@agnai/sentencepiece-js';
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
  ) {}

  /** Loads a `spiece.model` file; throws an error naming the file if it is not a SentencePiece model. */
  static async fromFile(path: string): Promise<SentencePiece> {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new Error(`Cannot read SentencePiece model ${path}: ${(err as Error).message}`);
    }
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
      new Error(
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
    await processor.load(path);
    const status = processor.processor.status();
    const message = status.ToString();
    status.delete();
    if (message !== 'OK') throw invalid(`SentencePiece says: ${message}`);
    // Canary: any loaded model maps non-empty text to at least one id within its vocabulary.
    const canary = processor.encodeIds('a');
    if (canary.length === 0 || canary.some((id) => id < 0 || id >= model.pieces.length)) {
      throw invalid(`encoding "a" gave [${canary.join(', ')}]`);
    }
    return new SentencePiece(processor, model);
  }

  get pieceCount(): number {
    return this.model.pieces.length;
  }

  /** SentencePiece EncodeAsIds: no bos/eos, no sampling. */
  encodeIds(text: string): number[] {
    return this.processor.encodeIds(toWellFormed(text));
  }

  /** SentencePiece EncodeAsPieces: unknown pieces keep their surface text (not "<unk>"). */
  encodePieces(text: string): string[] {
    return this.processor.encodePieces(toWellFormed(text));
  }

  /** SentencePiece DecodeIds: drops control ids, renders unk as " ⁇ ". Ids must be < pieceCount. */
  decodeIds(ids: readonly number[]): string {
    return ids.length === 0 ? '' : this.processor.decodeIds([...ids]);
  }
}
