// How large the data files and their lines may be. A data file is read into memory whole and every
// line is tokenized whole, so both are capped: a link to /dev/zero or a 50 MB line must end in an
// error naming the file or line, not in a process that reads forever or a tokenizer that aborts.
import { MIB } from '../../io/file-access';
import { MAX_TEXT_CHARS } from '../../tokenizer/limits';

/** Prompt tuning needs thousands of examples, not millions: SuperGLUE's largest training file is ~100 MB. */
export const MAX_DATA_FILE_BYTES = 256 * MIB;

/** The longest line (or CSV/TSV record) in characters: what the tokenizer takes in one text. */
export const MAX_LINE_CHARS = MAX_TEXT_CHARS;

/** "1,000,000" for messages. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
