// Finds the tokenizer of a checkpoint: `spiece.model` (preferred: it is what SentencePiece itself
// loads), else `tokenizer.json` rebuilt into the same model (see tokenizer-json.ts).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeModelProto } from './model-proto';
import { SentencePiece } from './spiece';
import { modelProtoFromTokenizerJson } from './tokenizer-json';

export const SPIECE_MODEL = 'spiece.model';
export const TOKENIZER_JSON = 'tokenizer.json';

async function fromTokenizerJson(path: string): Promise<SentencePiece> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  return SentencePiece.fromBytes(writeModelProto(modelProtoFromTokenizerJson(json, path)), path);
}

/** Loads the SentencePiece model of a checkpoint folder, a `*.model` file or a `tokenizer.json` file. */
export async function loadSentencePiece(pathToDirOrFile: string): Promise<SentencePiece> {
  if (!existsSync(pathToDirOrFile)) {
    throw new Error(`Tokenizer not found: ${pathToDirOrFile} does not exist (expected a model folder or ${SPIECE_MODEL}).`);
  }
  if (statSync(pathToDirOrFile).isFile()) {
    return basename(pathToDirOrFile).endsWith('.json')
      ? fromTokenizerJson(pathToDirOrFile)
      : SentencePiece.fromFile(pathToDirOrFile);
  }
  const spiece = join(pathToDirOrFile, SPIECE_MODEL);
  if (existsSync(spiece)) return SentencePiece.fromFile(spiece);
  const tokenizerJson = join(pathToDirOrFile, TOKENIZER_JSON);
  if (existsSync(tokenizerJson)) return fromTokenizerJson(tokenizerJson);
  throw new Error(
    `No tokenizer in ${pathToDirOrFile}: expected ${SPIECE_MODEL} (or ${TOKENIZER_JSON}). ` +
      'Copy spiece.model from the checkpoint (T5, T5 1.1 and FLAN-T5 share one) into this folder.',
  );
}
