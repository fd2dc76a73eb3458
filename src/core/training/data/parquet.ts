// Reads a Parquet file (how the HF hub stores dataset splits) into the records a JSON Lines file of
// the same rows gives: strings as they are, numbers (int64 too) and booleans as text; nulls, lists,
// structs, binary and dates are unusable, an error only where used. One record per row, numbered
// from 1. hyparquet decodes it (snappy, zstd, gzip, brotli, lz4 through hyparquet-compressors).
// Bounded like the text formats: the file is read whole within MAX_DATA_FILE_BYTES, its data may
// not inflate past MAX_DATA_FILE_BYTES either, and row groups are decoded one at a time, so a damaged
// file ends in an error naming the file and the row group.
import { parquetMetadata, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { describeBytes } from '../../io/file-access';
import { DataError } from './errors';
import { readDataBytes, setValue, type SourceFile, type SourceRecord } from './formats';
import { MAX_DATA_FILE_BYTES, count } from './limits';

const DAMAGED = 'The file is damaged or not Parquet: download it again (for a hub dataset, delete it from the cache), or export it again';

export async function readParquetFile(file: string): Promise<SourceFile> {
  const bytes = readDataBytes(file);
  // The footer is read from the end; the magic at the start tells a Parquet file from another file renamed.
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'PAR1') {
    throw new DataError({ file }, 'not a Parquet file (it does not start with "PAR1")', DAMAGED);
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(buffer);
  } catch (err) {
    throw new DataError({ file }, `cannot read the Parquet footer (${(err as Error).message})`, DAMAGED);
  }
  const fields = parquetSchema(metadata).children.map((c) => c.element.name);
  const inflated = metadata.row_groups.reduce((sum, g) => sum + Number(g.total_byte_size), 0);
  if (inflated > MAX_DATA_FILE_BYTES) {
    throw new DataError(
      { file },
      `the data is ${describeBytes(inflated)} uncompressed, more than the ${describeBytes(MAX_DATA_FILE_BYTES)} a data file may have`,
      'Prompt tuning needs thousands of examples, not millions: use a sample of the data, or split it',
    );
  }
  const records: SourceRecord[] = [];
  const groups = metadata.row_groups.length;
  let start = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    const n = Number(group.num_rows);
    const where = `row group ${index + 1} of ${groups} (rows ${count(start + 1)}-${count(start + n)})`;
    let rows: Record<string, unknown>[];
    try {
      // utf8: false keeps binary columns binary (refused where used) instead of decoding them lossily.
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: start + n, compressors, utf8: false });
    } catch (err) {
      throw new DataError({ file }, `${where} cannot be read (${(err as Error).message})`, DAMAGED);
    }
    if (rows.length !== n) throw new DataError({ file }, `${where} holds ${count(rows.length)} rows instead of ${count(n)}`, DAMAGED);
    rows.forEach((row, i) => {
      const record: SourceRecord = { line: start + i + 1, values: new Map(), unusable: new Map() };
      for (const field of fields) setValue(record, field, row[field]);
      records.push(record);
    });
    start += n;
  }
  return { file, format: 'parquet', fields, records, problems: [] };
}
