// The tokenizer's file error: a spiece.model or tokenizer.json that cannot be used, named in the message.
import { FileFormatError } from '../io/errors';

export class TokenizerFileError extends FileFormatError {}
