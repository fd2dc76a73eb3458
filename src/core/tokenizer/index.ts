// Public tokenizer API: T5's SentencePiece vocabulary with HF T5Tokenizer conventions.
export {
  T5Tokenizer,
  type BatchEncodeOptions,
  type BatchEncoding,
  type DecodeOptions,
  type EncodeOptions,
  type TokenizedText,
} from './t5-tokenizer';
export { EXTRA_IDS, sentinelId, sentinelToken } from './sentinels';
export { escapeControlChars } from './display';
