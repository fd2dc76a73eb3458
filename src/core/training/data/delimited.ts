// RFC 4180 parser for CSV (and TSV with the same quoting rules): quoted fields, "" for a quote
// inside a quoted field, line breaks inside quoted fields, CRLF / LF / CR line ends. Lenient where
// spreadsheets are: a quote inside an unquoted field is kept literally. Blank lines are not rows.

export interface DelimitedRow {
  /** 1-based line where the row starts (a quoted field may continue over several lines). */
  line: number;
  fields: string[];
  /** Set when the row is malformed; its fields are then best-effort. */
  problem?: string;
  /** Characters of a row longer than the limit; its fields are then cut short. */
  tooLong?: number;
}

export interface DelimitedParse {
  rows: DelimitedRow[];
  /** Set when a quoted field is never closed: everything after it was swallowed, so the file is unusable. */
  unterminatedQuoteLine?: number;
}

/** `maxRowChars`: longer rows are marked `tooLong` and their fields stop growing (memory stays bounded). */
export function parseDelimited(text: string, delimiter: string, maxRowChars = Infinity): DelimitedParse {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  const rows: DelimitedRow[] = [];
  let line = 1;
  let rowLine = 1;
  let fields: string[] = [];
  let field = '';
  let problem: string | undefined;
  // Whether the current row has any content; an empty physical line is not a row.
  let rowStarted = false;
  let rowStart = 0;
  let i = 0;
  const n = text.length;
  const fits = () => i - rowStart <= maxRowChars;

  const endRow = (): void => {
    if (rowStarted) {
      fields.push(field);
      const row: DelimitedRow = problem === undefined ? { line: rowLine, fields } : { line: rowLine, fields, problem };
      if (!fits()) row.tooLong = i - rowStart;
      rows.push(row);
    }
    fields = [];
    field = '';
    problem = undefined;
    rowStarted = false;
  };
  // Consumes a line break at i (CRLF, LF or CR) and returns true, or returns false.
  const lineBreak = (): boolean => {
    const ch = text[i];
    if (ch === '\r') {
      i += text[i + 1] === '\n' ? 2 : 1;
    } else if (ch === '\n') {
      i += 1;
    } else {
      return false;
    }
    line += 1;
    return true;
  };

  while (i < n) {
    if (!rowStarted) {
      rowLine = line;
      rowStart = i;
    }
    if (lineBreak()) {
      endRow();
      continue;
    }
    rowStarted = true;
    if (text[i] === '"' && field === '') {
      // Quoted field: runs to the next quote that is not doubled.
      const openLine = line;
      i += 1;
      for (;;) {
        if (i >= n) return { rows, unterminatedQuoteLine: openLine };
        const ch = text[i];
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        if (ch === '\r' || ch === '\n') {
          const start = i;
          lineBreak();
          if (fits()) field += text.slice(start, i);
          continue;
        }
        if (fits()) field += ch;
        i += 1;
      }
      // After the closing quote only a delimiter or a line end may follow.
      if (i < n && text[i] !== delimiter && text[i] !== '\r' && text[i] !== '\n') {
        problem ??=
          `field ${fields.length + 1} has text after its closing quote: a field that starts with a quote must be ` +
          'quoted as a whole, with each quote inside written as "" (e.g. """Hi"" she said")';
        for (; i < n && text[i] !== delimiter && text[i] !== '\r' && text[i] !== '\n'; i++) if (fits()) field += text[i];
      }
      continue;
    }
    if (text[i] === delimiter) {
      if (fits()) fields.push(field);
      field = '';
      i += 1;
      continue;
    }
    if (fits()) field += text[i];
    i += 1;
  }
  endRow();
  return { rows };
}
