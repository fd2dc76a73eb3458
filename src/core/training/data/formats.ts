// Reads a data file into records of text fields, choosing the format by extension:
// .jsonl / .json → JSON Lines (one object per line), .csv → comma-separated, .tsv → tab-separated
// (both with a header row and RFC 4180 quoting). Each record keeps its 1-based source line.
// Problems confined to one line are returned (so skipInvalid can skip them); problems that make the
// whole file unusable are thrown. Only regular files up to MAX_DATA_FILE_BYTES are read, and lines
// longer than MAX_LINE_CHARS are refused by line (limits.ts says why).
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { extname } from 'node:path';
import { describeBytes } from '../../io/file-access';
import { parseDelimited } from './delimited';
import { DataError, OR_SKIP } from './errors';
import { MAX_DATA_FILE_BYTES, MAX_LINE_CHARS, count } from './limits';

export type DataFormat = 'jsonl' | 'csv' | 'tsv' | 'parquet';
type TextFormat = Exclude<DataFormat, 'parquet'>;

export const FORMAT_BY_EXTENSION: Readonly<Record<string, DataFormat>> = {
  '.jsonl': 'jsonl',
  '.json': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.parquet': 'parquet',
};

export interface SourceRecord {
  /** 1-based line where the record starts. */
  line: number;
  /** Field values as text; JSON numbers and booleans are stringified. */
  values: Map<string, string>;
  /** Fields present but not usable as text (JSON object, array, null), with why; an error only where used. */
  unusable: Map<string, string>;
  /** The text members of object (struct) fields as "field.member", e.g. MultiRC's idx.question: not fields of their own, read by tasks (task-rows.ts). */
  members?: Map<string, string>;
  /** Array fields whose items are all text, e.g. ReCoRD's entities and answers: not fields of their own either, read by tasks. */
  lists?: Map<string, string[]>;
}

/** What a record's number counts in messages: text lines, or Parquet rows. */
export function recordUnit(format: DataFormat): 'line' | 'row' {
  return format === 'parquet' ? 'row' : 'line';
}

/** A string as it is, a number or boolean as text; undefined for anything else. */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);

/** Puts one field's value into the record: strings as they are, numbers and booleans as text, anything else unusable (an object's text members and an array of text kept apart). */
export function setValue(record: SourceRecord, key: string, value: unknown): void {
  const text = asText(value);
  if (text !== undefined) {
    record.values.set(key, text);
    return;
  }
  record.unusable.set(key, `is ${describeValue(value)}, but must be a string, number or boolean`);
  if (Array.isArray(value)) {
    const items = value.map(asText);
    if (items.every((item) => item !== undefined)) (record.lists ??= new Map()).set(key, items as string[]);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [member, v] of Object.entries(value)) {
    const memberText = asText(v);
    if (memberText !== undefined) (record.members ??= new Map()).set(`${key}.${member}`, memberText);
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Date) return 'a date';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export interface SourceFile {
  file: string;
  format: DataFormat;
  /** Field names: the CSV/TSV header, or every key seen in a JSONL file, in order of first appearance. */
  fields: string[];
  records: SourceRecord[];
  /** Lines that could not be read as a record (malformed JSON, wrong number of columns). */
  problems: DataError[];
}

export function formatOf(file: string): DataFormat {
  const ext = extname(file).toLowerCase();
  const format = FORMAT_BY_EXTENSION[ext];
  if (format === undefined) {
    throw new DataError(
      { file },
      `unknown data file type "${ext || '(no extension)'}"`,
      `Use a file ending in ${Object.keys(FORMAT_BY_EXTENSION).join(', ')} (JSON Lines, CSV or TSV with a header row, Parquet)`,
    );
  }
  return format;
}

/** Reads a JSON Lines, CSV or TSV file (Parquet: parquet.ts). */
export function readDataFile(file: string): SourceFile {
  const format = formatOf(file);
  if (format === 'parquet') throw new Error(`${file}: Parquet files are read asynchronously, by readParquetFile (through loadData).`);
  return parseDataText(decodeUtf8(readDataBytes(file), file), format, file);
}

/** Parses file content already in memory; `file` is only used in messages. */
export function parseDataText(text: string, format: TextFormat, file: string): SourceFile {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new DataError(
      { file },
      'the file is empty',
      format === 'jsonl'
        ? 'Add examples, one JSON object per line, e.g. {"text": "...", "label": "yes"}'
        : `Add a header row naming the columns (e.g. text${format === 'csv' ? ',' : '\\t'}label) and one example per row`,
    );
  }
  return format === 'jsonl' ? parseJsonLines(body, file) : parseTable(body, format, file);
}

function unreadable(file: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DataError({ file }, 'file not found', 'Check the path and that the file exists');
  if (code === 'EISDIR') return new DataError({ file }, 'this is a folder, not a file', 'Give the path of a .jsonl, .csv or .tsv file');
  return new DataError({ file }, `cannot read the file (${(err as Error).message})`, 'Check the path and its permissions');
}

/** Refuses folders, devices, pipes and sockets (a link to /dev/zero would be read forever) and files over the size limit. */
function checkDataFile(file: string, s: Stats): number {
  if (s.isDirectory()) throw new DataError({ file }, 'this is a folder, not a file', 'Give the path of a .jsonl, .csv or .tsv file');
  if (!s.isFile()) {
    const kind = s.isCharacterDevice() ? 'a device' : s.isFIFO() ? 'a named pipe' : s.isSocket() ? 'a socket' : 'not a regular file';
    throw new DataError({ file }, `this is ${kind}, not a regular file`, 'Give the path of a .jsonl, .csv or .tsv file (save a stream to a file first)');
  }
  if (s.size > MAX_DATA_FILE_BYTES) {
    throw new DataError(
      { file },
      `the file is ${describeBytes(s.size)}, more than the ${describeBytes(MAX_DATA_FILE_BYTES)} a data file may have`,
      'Prompt tuning needs thousands of examples, not millions: use a sample of the file, or split it',
    );
  }
  return s.size;
}

/** The bytes of a regular data file within MAX_DATA_FILE_BYTES. */
export function readDataBytes(file: string): Buffer {
  let fd: number;
  try {
    checkDataFile(file, statSync(file));
    // O_NONBLOCK: a file swapped for a pipe after the check must not block the open.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw err instanceof DataError ? err : unreadable(file, err);
  }
  try {
    const size = checkDataFile(file, fstatSync(fd));
    const bytes = Buffer.alloc(size);
    for (let done = 0; done < size; ) {
      const n = readSync(fd, bytes, done, size - done, done);
      if (n === 0) return bytes.subarray(0, done); // shortened while read: what is there
      done += n;
    }
    return bytes;
  } catch (err) {
    throw err instanceof DataError ? err : unreadable(file, err);
  } finally {
    closeSync(fd);
  }
}

/** A line (or record) too long to tokenize, as a problem of that line. */
function overLongLine(file: string, line: number, chars: number): DataError {
  return new DataError(
    { file, line },
    `the line has ${count(chars)} characters, more than the ${count(MAX_LINE_CHARS)} a line may have`,
    `Shorten it (T5 reads at most a few thousand characters of an input), or set skipInvalid to skip such lines`,
  );
}

function decodeUtf8(bytes: Buffer, file: string): string {
  const saveAsUtf8 = 'Save the file as UTF-8 (in VS Code: "Change File Encoding" → "Save with Encoding" → UTF-8)';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new DataError({ file }, 'the file is UTF-16 text', saveAsUtf8);
  }
  try {
    // fatal: reject invalid bytes instead of silently turning them into U+FFFD.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError({ file }, 'the file is not valid UTF-8 text', saveAsUtf8);
  }
}

function parseJsonLines(text: string, file: string): SourceFile {
  const lines = text.split(/\r\n|\r|\n/);
  const firstContent = lines.find((l) => l.trim() !== '') ?? '';
  if (firstContent.trimStart().startsWith('[')) {
    throw new DataError(
      { file, line: lines.indexOf(firstContent) + 1 },
      'the file looks like one JSON array, but JSON Lines needs one JSON object per line',
      'Write each example on its own line as an object, e.g. {"text": "...", "label": "yes"} (jq -c ".[]" converts an array)',
    );
  }
  const fields: string[] = [];
  const seen = new Set<string>();
  const records: SourceRecord[] = [];
  const problems: DataError[] = [];
  const hint = `Each line must be one JSON object, e.g. {"text": "...", "label": "yes"}; fix the line, ${OR_SKIP}`;
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.length > MAX_LINE_CHARS) {
      problems.push(overLongLine(file, line, raw.length));
      return;
    }
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      problems.push(new DataError({ file, line }, `malformed JSON (${(err as Error).message})`, hint));
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(new DataError({ file, line }, `expected a JSON object, got ${describeValue(value)}`, hint));
      return;
    }
    const record: SourceRecord = { line, values: new Map(), unusable: new Map() };
    for (const [key, v] of Object.entries(value)) {
      if (!seen.has(key)) {
        seen.add(key);
        fields.push(key);
      }
      setValue(record, key, v);
    }
    records.push(record);
  });
  return { file, format: 'jsonl', fields, records, problems };
}

function parseTable(text: string, format: 'csv' | 'tsv', file: string): SourceFile {
  const delimiter = format === 'csv' ? ',' : '\t';
  const separatorName = format === 'csv' ? 'comma' : 'tab';
  const parsed = parseDelimited(text, delimiter, MAX_LINE_CHARS);
  if (parsed.unterminatedQuoteLine !== undefined) {
    throw new DataError(
      { file, line: parsed.unterminatedQuoteLine },
      'a quoted field starts here but its closing quote is missing, so the rest of the file would be read as one field',
      'Close the quote; write a quote inside a quoted field as ""',
    );
  }
  const [header, ...rows] = parsed.rows;
  if (header === undefined) throw new Error('unreachable: non-empty text has a row');
  const names = header.fields.map((name) => name.trim());
  if (header.tooLong !== undefined) throw overLongLine(file, header.line, header.tooLong);
  if (header.problem !== undefined) {
    throw new DataError({ file, line: header.line }, `bad header row: ${header.problem}`, 'Fix the header row');
  }
  const firstColumn = new Map<string, number>();
  names.forEach((name, column) => {
    if (name === '') return; // unnamed columns (e.g. a pandas index) are ignored
    const previous = firstColumn.get(name);
    if (previous !== undefined) {
      throw new DataError(
        { file, line: header.line, field: name },
        `the header names column ${previous + 1} and column ${column + 1} the same`,
        'Give every column a different name',
      );
    }
    firstColumn.set(name, column);
  });
  const records: SourceRecord[] = [];
  const problems: DataError[] = [];
  const quoteHint = `Put fields that contain a ${separatorName}, a quote or a line break in double quotes; fix the line, ${OR_SKIP}`;
  for (const row of rows) {
    if (row.tooLong !== undefined) {
      problems.push(overLongLine(file, row.line, row.tooLong));
    } else if (row.problem !== undefined) {
      problems.push(new DataError({ file, line: row.line }, row.problem, `Fix the line, ${OR_SKIP}`));
    } else if (row.fields.length !== names.length) {
      problems.push(
        new DataError(
          { file, line: row.line },
          `has ${row.fields.length} ${separatorName}-separated fields but the header has ${names.length}`,
          quoteHint,
        ),
      );
    } else {
      const values = new Map<string, string>();
      for (const [name, column] of firstColumn) values.set(name, row.fields[column] ?? '');
      records.push({ line: row.line, values, unusable: new Map() });
    }
  }
  return { file, format, fields: [...firstColumn.keys()], records, problems };
}
