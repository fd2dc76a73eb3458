// Types for the parts of @agnai/sentencepiece-js (SentencePiece compiled to wasm; ships no types) we use.
declare module '@agnai/sentencepiece-js' {
  /** embind-bound sentencepiece::util::Status. */
  interface SentencePieceStatus {
    ToString(): string;
    delete(): void;
  }
  /** embind-bound sentencepiece::SentencePieceProcessor (only the methods we call). */
  interface WasmProcessor {
    status(): SentencePieceStatus;
  }
  export class SentencePieceProcessor {
    /** Set by load(). */
    processor: WasmProcessor;
    /** Reads the file at `path` (node fs) into a fresh wasm instance; never rejects on a bad model. */
    load(path: string): Promise<void>;
    encodeIds(text: string): number[];
    encodePieces(text: string): string[];
    decodeIds(ids: number[]): string;
  }
}
