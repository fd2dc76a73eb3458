// Parquet data files against pyarrow: the fixtures in test/fixtures/parquet were written by pyarrow
// (scripts/make-parquet-fixtures.py), which also wrote what it reads back from them (types.rows.json).
// Our reader must give the same values for snappy, zstd and gzip files; text, numbers and booleans
// as text, the rest (nulls, lists, structs, binary, timestamps) unusable, as a JSON Lines file gives
// them; and the examples of a Parquet file equal those of the JSON Lines file of the same rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { readParquetFile } from '../../src/core/training/data/parquet';
import { loadData } from '../../src/core/training/data/source';
import { loadExamples, DataError } from '../../src/core/training/data/dataset';
import { REPO_ROOT } from '../support/shared';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'parquet');

type Tagged = string | number | boolean | null | { int: string } | { kind: 'list' | 'struct' | 'binary' | 'timestamp' };
const pyarrow = JSON.parse(readFileSync(join(FIXTURES, 'types.rows.json'), 'utf8')) as { fields: string[]; rows: Record<string, Tagged>[] };

/** pyarrow's value as the text a JSON Lines file would give, or undefined for a value that is not text. */
function expectedText(v: Tagged): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v !== null && 'int' in v) return v.int;
  return undefined;
}

for (const codec of ['snappy', 'zstd', 'gzip']) {
  test(`${codec}: every row and column as pyarrow reads it`, async () => {
    const file = join(FIXTURES, `types-${codec}.parquet`);
    const source = await readParquetFile(file);
    assert.deepEqual(source.fields, pyarrow.fields);
    assert.equal(source.records.length, pyarrow.rows.length);
    source.records.forEach((record, i) => {
      const row = pyarrow.rows[i] as Record<string, Tagged>;
      assert.equal(record.line, i + 1);
      const texts = Object.fromEntries(pyarrow.fields.flatMap((f) => (expectedText(row[f] as Tagged) === undefined ? [] : [[f, expectedText(row[f] as Tagged)]])));
      assert.deepEqual(Object.fromEntries(record.values), texts, `row ${i + 1}`);
      assert.deepEqual([...record.unusable.keys()].sort(), pyarrow.fields.filter((f) => texts[f] === undefined).sort(), `row ${i + 1}`);
      for (const f of pyarrow.fields) if (row[f] === null) assert.match(record.unusable.get(f) ?? '', /null/);
    });
  });
}

test('a Parquet file gives the examples its JSON Lines twin gives (template, verbalizer, labels)', async () => {
  const spec = { template: 'premise: {sentence1} hypothesis: {sentence2}', targetField: 'label', verbalizer: '0=entailment,1=not_entailment' };
  for (const split of ['train', 'validation']) {
    const fromParquet = await loadData(join(FIXTURES, `rte-${split}.parquet`), 'train', spec);
    const fromJsonl = loadExamples(join(FIXTURES, `rte-${split}.jsonl`), spec);
    assert.ok(fromJsonl.examples.length >= 2);
    assert.deepEqual(
      fromParquet.examples.map((e) => [e.input, e.target, e.source.line]),
      fromJsonl.examples.map((e) => [e.input, e.target, e.source.line]),
    );
  }
});

test('a bad row is named by file, row and field', async () => {
  const file = join(FIXTURES, 'types-zstd.parquet');
  // Row 3's text is null in the fixture.
  await assert.rejects(loadData(file, 'train', { inputField: 'text', targetField: 'label' }), (err: Error) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.message.split(':')[0], `${file}, row 3`);
    assert.match(err.message, /field "text": the value is null/);
    return true;
  });
  const skipped = await loadData(file, 'train', { inputField: 'text', targetField: 'label', skipInvalid: true });
  // Rows 3 (null text) and 5 (empty text) are skipped, the other six read.
  assert.deepEqual(skipped.skipped.map((s) => s.line), [3, 5]);
  assert.equal(skipped.examples.length, pyarrow.rows.length - 2);
});

test('a damaged file is refused naming the file and the row group', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parquet-test-'));
  try {
    const good = readFileSync(join(FIXTURES, 'types-snappy.parquet'));
    const meta = parquetMetadata(good.buffer.slice(good.byteOffset, good.byteOffset + good.byteLength) as ArrayBuffer);
    const column = meta.row_groups[1]?.columns[0]?.meta_data;
    assert.ok(column && meta.row_groups.length === 3);
    // The page header of row group 2's first column overwritten.
    const damaged = Buffer.from(good);
    const page = Number(column.dictionary_page_offset ?? column.data_page_offset);
    damaged.fill(0xff, page, page + 8);
    const file = join(dir, 'damaged.parquet');
    writeFileSync(file, damaged);
    await assert.rejects(readParquetFile(file), (err: Error) => err instanceof DataError && err.message.startsWith(file) && /row group 2 of 3 \(rows 4-6\) cannot be read/.test(err.message));
    // Cut in half: the footer is gone.
    const cut = join(dir, 'cut.parquet');
    writeFileSync(cut, good.subarray(0, good.length >> 1));
    await assert.rejects(readParquetFile(cut), (err: Error) => err instanceof DataError && err.message.startsWith(cut) && /Parquet footer/.test(err.message));
    // A CSV file named .parquet.
    const renamed = join(dir, 'renamed.parquet');
    writeFileSync(renamed, 'text,label\na,b\n');
    await assert.rejects(readParquetFile(renamed), (err: Error) => err instanceof DataError && err.message.startsWith(renamed) && /not a Parquet file/.test(err.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
