// Reads golden tokenization files (layout of ../shared/fixtures/t5-spiece/golden.json): the reference
// SentencePiece library's ids/pieces/decodes and HF T5's conventions, for the tests to compare against.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SHARED_DIR, SHARED_PRESENT, envPaths } from '../support/shared';

export interface GoldenCase {
  name: string;
  text: string;
  /** Raw SentencePiece EncodeAsIds (no eos). */
  ids: number[];
  /** Raw SentencePiece EncodeAsPieces (unknown text keeps its surface form). */
  pieces: string[];
  unk_positions: number[];
  /** SentencePiece DecodeIds(ids). */
  decoded: string;
  /** ids + eos, or null where the text holds special-token literals that HF splits out. */
  hf_input_ids: number[] | null;
}

export interface GoldenDecodeCase {
  ids: number[];
  text: string;
  pieces: string[];
}

export interface GoldenFile {
  path: string;
  /** The spiece.model the golden was made with (model.file, relative to the golden file). */
  modelPath: string;
  model: { file: string; sha256?: string; piece_size: number; first_pieces?: [number, string, number][] };
  conventions: {
    eos: { token: string; id: number };
    pad: { token: string; id: number };
    unk: { token: string; id: number; decode_surface: string };
    sentencepiece_piece_size: number;
    hf_len_tokenizer: number;
    model_config_vocab_size: number;
    sentinels: { examples: Record<string, number> };
  };
  cases: GoldenCase[];
  decode_cases: GoldenDecodeCase[];
}

export const DEFAULT_GOLDEN = join(SHARED_DIR, 'fixtures', 't5-spiece', 'golden.json');

export function readGolden(path: string): GoldenFile {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Omit<GoldenFile, 'path' | 'modelPath'>;
  return { ...json, path, modelPath: join(dirname(path), json.model.file) };
}

/** The shared golden file (where ../shared exists) plus every file in SPIECE_GOLDEN_FILES (colon-separated), which must exist. */
export function goldenPaths(): string[] {
  const named = envPaths('SPIECE_GOLDEN_FILES');
  for (const path of named) if (!existsSync(path)) throw new Error(`SPIECE_GOLDEN_FILES names ${path}, which does not exist.`);
  return [...(SHARED_PRESENT ? [DEFAULT_GOLDEN] : []), ...named];
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function readDefaultGolden(): GoldenFile {
  return readGolden(DEFAULT_GOLDEN);
}
