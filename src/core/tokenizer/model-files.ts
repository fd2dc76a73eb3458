// Finds the tokenizer of a checkpoint: `spiece.model` (preferred: it is what SentencePiece itself
// loads), else `tokenizer.json` rebuilt into the same model (see tokenizer-json.ts). Files of a
// model folder are taken from inside it (io/file-access.ts), all within a size limit.
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileInFolder, readJsonFile } from '../io/file-access';
import { TokenizerFileError } from './errors';
import { MAX_TOKENIZER_FILE_BYTES } from './limits';
import { writeModelProto } from './model-proto';
import { SentencePiece } from './spiece';
import { modelProtoFromTokenizerJson } from './tokenizer-json';

export const SPIECE_MODEL = 'spiece.model';
export const TOKENIZER_JSON = 'tokenizer.json';

const LIMIT = { maxBytes: MAX_TOKENIZER_FILE_BYTES, what: 'a tokenizer file', hint: "T5's spiece.model is 0.8 MB, its tokenizer.json 2.4 MB." };

async function fromTokenizerJson(path: string): Promise<SentencePiece> {
  const json = readJsonFile(path, LIMIT, TokenizerFileError);
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
  if (existsSync(spiece)) return SentencePiece.fromFile(fileInFolder(pathToDirOrFile, SPIECE_MODEL, LIMIT, TokenizerFileError));
  const tokenizerJson = join(pathToDirOrFile, TOKENIZER_JSON);
  if (existsSync(tokenizerJson)) return fromTokenizerJson(fileInFolder(pathToDirOrFile, TOKENIZER_JSON, LIMIT, TokenizerFileError));
  throw new Error(
    `No tokenizer in ${pathToDirOrFile}: expected ${SPIECE_MODEL} (or ${TOKENIZER_JSON}). ` +
      'Copy spiece.model from the checkpoint (T5, T5 1.1 and FLAN-T5 share one) into this folder.',
  );
}
