// A quick look at a training file for the setup flow: its field names, a guess of the input and
// target fields, and the target's distinct values (the label set of a classification task). Reads
// only the first part of the file; the trainer validates the whole of it. No vscode import.
import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { isHubDataset } from '../../core/dataset-spec';

export interface DatasetPreview {
  fields: string[];
  rowsRead: number;
  inputField?: string;
  targetField?: string;
  /** Distinct target values, when there are few enough to be labels. */
  labels?: string[];
}

// The engine's defaults (core/training/data/dataset.ts), repeated: the host may not load core/training.
const INPUT_GUESSES = ['input', 'text', 'sentence'];
const TARGET_GUESSES = ['target', 'label', 'output'];
const PREVIEW_BYTES = 1 << 20;
const MAX_LABELS = 20;

function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(PREVIEW_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    // Drop a last line that may have been cut mid-way.
    return n === buf.length ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

/** One CSV/TSV record line split into cells ("" quotes, "" inside quotes for a quote). */
export function splitDelimited(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

function records(text: string, ext: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (ext === '.jsonl' || ext === '.json') {
    const out: Record<string, string>[] = [];
    for (const line of lines) {
      try {
        const value: unknown = JSON.parse(line);
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          out.push(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
        }
      } catch {
        // The trainer reports bad lines with their numbers; the preview just skips them.
      }
    }
    return out;
  }
  const delimiter = ext === '.tsv' ? '\t' : ',';
  const [header, ...rows] = lines;
  if (header === undefined) return [];
  const names = splitDelimited(header, delimiter);
  return rows.map((row) => {
    const cells = splitDelimited(row, delimiter);
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
  });
}

/** Text files are previewed; Parquet files and hub datasets are read by the worker when training starts. */
export function previewDataset(file: string): DatasetPreview {
  const ext = extname(file).toLowerCase();
  if (isHubDataset(file) || ext === '.parquet') {
    throw new Error(
      `${isHubDataset(file) ? 'A hub dataset is downloaded' : 'A Parquet file is read'} when training starts, so its fields are not listed here: ` +
        'name the input (or a template) and the target, or leave them to detection (input, text, sentence; target, label, output)',
    );
  }
  const rows = records(readHead(file), ext);
  const fields = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const guess = (names: string[]) => names.find((n) => fields.includes(n));
  const inputField = guess(INPUT_GUESSES);
  const targetField = guess(TARGET_GUESSES);
  const preview: DatasetPreview = { fields, rowsRead: rows.length, inputField, targetField };
  if (targetField) {
    const values = [...new Set(rows.map((r) => r[targetField] ?? ''))].filter((v) => v !== '');
    if (values.length > 0 && values.length <= MAX_LABELS) preview.labels = values.sort();
  }
  return preview;
}
