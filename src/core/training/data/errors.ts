// Errors for bad training data. Every message names where the problem is (file, line, field) and
// says what to do, because the user fixes it in their own file, not in our code.
import { FileFormatError } from '../../io/errors';

export interface DataLocation {
  file: string;
  /** 1-based line in the file where the record starts (the row, in a Parquet file). */
  line?: number;
  field?: string;
  /** What `line` counts: text lines, or the rows of a Parquet file. Default: line. */
  unit?: 'line' | 'row';
}

/** A problem in a data file. */
export class DataError extends FileFormatError {
  readonly line?: number;
  readonly field?: string;
  /** The problem without file and line, e.g. `field "label": unknown label "maybe" (...)`. */
  readonly reason: string;

  /** `reason` says what is wrong, `hint` what to do about it. */
  constructor(where: DataLocation, reason: string, hint: string) {
    const fieldPart = where.field === undefined ? '' : `field "${where.field}": `;
    const linePart = where.line === undefined ? '' : `, ${where.unit ?? 'line'} ${where.line}`;
    super(where.file, `${where.file}${linePart}: ${fieldPart}${reason}. ${hint}`);
    if (where.line !== undefined) this.line = where.line;
    if (where.field !== undefined) this.field = where.field;
    this.reason = `${fieldPart}${reason}`;
  }
}

/** A problem in the data settings themselves (template, verbalizer, field names), not in a file. */
export class DataSpecError extends Error {
  /** The setting at fault, e.g. `template` or `verbalizer`. */
  readonly setting: string;

  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'DataSpecError';
    this.setting = setting;
  }
}

/** Appended to hints for problems that `skipInvalid` may skip. */
export const OR_SKIP = 'or set skipInvalid to skip such lines (they are counted and reported)';
