// Training / validation examples from a user's JSONL, CSV or TSV file (or the Parquet files of a hub
// dataset, source.ts): picks the input (a field or a template over several fields) and the target
// (a field, optionally through a verbalizer), and checks every line. Bad lines are errors naming
// file, line (or row) and field; with skipInvalid they are skipped and listed instead, never dropped
// silently.
import { DataError, DataSpecError, OR_SKIP, type DataLocation } from './errors';
import { readDataFile, recordUnit, type SourceFile, type SourceRecord } from './formats';
import { checkTemplateFields, parseTemplate, renderTemplate, type Template } from './template';
import { parseVerbalizer, verbalize, type Verbalizer } from './verbalizer';
import { count } from './limits';
import { quote } from '../../io/errors';
import { checkRankLabels } from './labels';
import { MAX_TEXT_CHARS } from '../../tokenizer/limits';
import { Rng, shuffle } from '../../rng';
import type { TaskName } from '../../engine-names';
import { taskAnswers, taskGroups, taskRows } from './task-rows';
import type { DataRole } from '../../dataset-spec';

export { DataError, DataSpecError } from './errors';

export interface DataSpec {
  /** Field holding the input text; default: the first of DEFAULT_INPUT_FIELDS the file has. */
  inputField?: string;
  /** Field holding the target; default: the first of DEFAULT_TARGET_FIELDS the file has. */
  targetField?: string;
  /** Builds the input from several fields, e.g. `premise: {premise} hypothesis: {hypothesis}`; excludes inputField. */
  template?: string;
  /** Maps raw label values to target words, e.g. `0=no,1=yes`. */
  verbalizer?: string;
  /** The allowed targets (after the verbalizer); any other target is an unknown label. */
  labels?: string[];
  /** Skip invalid lines (reported in `skipped`) instead of failing on the first one. */
  skipInvalid?: boolean;
  /** A task preset whose rows need rewriting before the template (task-rows.ts). */
  task?: TaskName;
}

export interface Example {
  input: string;
  target: string;
  source: { file: string; line: number };
  /** The group the example belongs to, for metrics over groups (MultiRC: its question; task-rows.ts). */
  group?: string;
  /** Every gold answer, for a metric that scores the best match over them (ReCoRD's; task-rows.ts). */
  answers?: string[];
}

export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

export interface LoadedData {
  examples: Example[];
  skipped: SkippedLine[];
  /** The file, or the hub dataset (`hf:...#split`) its files came from. */
  file: string;
  /** Where inputs came from: a field name, or the template text. */
  inputFrom: string;
  targetField: string;
}

/** Tried in this order when `inputField` and `template` are not given. */
export const DEFAULT_INPUT_FIELDS: readonly string[] = ['input', 'text', 'sentence'];
/** Tried in this order when `targetField` is not given. */
export const DEFAULT_TARGET_FIELDS: readonly string[] = ['target', 'label', 'output'];

/**
 * Reads a JSON Lines, CSV or TSV `file` (format by extension) into examples, as `role` reads them (a
 * task may expand training rows). Leading and trailing whitespace of inputs and targets is removed.
 * Throws DataError on the first invalid line unless `spec.skipInvalid`; problems with the whole file
 * (unreadable, empty, no examples, unknown fields) always throw.
 */
export function loadExamples(file: string, spec: DataSpec, role: DataRole = 'train'): LoadedData {
  const parsed = parseDataSpec(spec);
  return examplesFrom([readDataFile(file)], file, parsed, role);
}

/** The data settings, checked and parsed (before any file is read or downloaded). */
export interface ParsedDataSpec {
  spec: DataSpec;
  template?: Template;
  verbalizer?: Verbalizer;
  labels?: Set<string>;
}

export function parseDataSpec(spec: DataSpec): ParsedDataSpec {
  if (spec.template !== undefined && spec.inputField !== undefined) {
    throw new DataSpecError('template', 'give either inputField or template, not both');
  }
  if (spec.labels !== undefined) checkRankLabels(spec.labels, 'the labels setting');
  const template = spec.template === undefined ? undefined : parseTemplate(spec.template);
  const verbalizer = spec.verbalizer === undefined ? undefined : parseVerbalizer(spec.verbalizer);
  const labels = spec.labels === undefined ? undefined : new Set(spec.labels);
  if (verbalizer !== undefined && labels !== undefined) {
    const stray = [...verbalizer.words.values()].find((word) => !labels.has(word));
    if (stray !== undefined) {
      throw new DataSpecError('verbalizer', `maps to ${JSON.stringify(stray)}, which is not in labels (${[...labels].join(', ')})`);
    }
  }
  return { spec, template, verbalizer, labels };
}

/** The examples of files already read (the shards of one split are several), as loadExamples. */
export function examplesFrom(sources: readonly SourceFile[], name: string, parsed: ParsedDataSpec, role: DataRole): LoadedData {
  const examples: Example[] = [];
  const skipped: SkippedLine[] = [];
  let fieldsUsed: { inputFrom: string; targetField: string } | undefined;
  for (const source of sources) {
    const fileExamples = sourceExamples(source, parsed, role, skipped);
    fieldsUsed ??= fileExamples.fieldsUsed;
    examples.push(...fileExamples.examples);
  }
  if (examples.length === 0) {
    const unit = recordUnit(sources[0]?.format ?? 'jsonl');
    if (skipped.length === 0) {
      throw new DataError({ file: name }, unit === 'row' ? 'no examples (no rows)' : 'no examples (the file has a header row but no data rows)', unit === 'row' ? 'Choose a split or file that has rows' : 'Add examples below the header');
    }
    throw new DataError(
      { file: name },
      `no examples: all ${skipped.length} data ${unit}s are invalid, e.g. ${describeSkippedLine(skipped[0] as SkippedLine)}`,
      'Fix the file (the first invalid line is shown)',
    );
  }
  return { examples, skipped, file: name, inputFrom: fieldsUsed?.inputFrom ?? '', targetField: fieldsUsed?.targetField ?? '' };
}

function sourceExamples(
  source: SourceFile,
  { spec, template, verbalizer, labels }: ParsedDataSpec,
  role: DataRole,
  skipped: SkippedLine[],
): { examples: Example[]; fieldsUsed: { inputFrom: string; targetField: string } } {
  const { file } = source;
  const unit = recordUnit(source.format);
  const rewrite = taskRows(spec.task);
  const groupOf = taskGroups(spec.task);
  const answersOf = taskAnswers(spec.task);
  if (source.records.length === 0 && source.problems.length > 0) {
    // No line could be read, so the file's fields are unknown: its first bad line is the news.
    if (!spec.skipInvalid) throw source.problems[0];
    throw new DataError({ file }, `no examples: all ${source.problems.length} data lines are invalid, e.g. line ${source.problems[0].line}: ${source.problems[0].reason}`, 'Fix the file (the first invalid line is shown)');
  }
  const input = inputReader(source, spec.inputField, template);
  const targetField = chooseField(source, 'target', spec.targetField, DEFAULT_TARGET_FIELDS);

  const toExample = (record: SourceRecord): Example => {
    const inputText = input.read(record);
    const where = { file, line: record.line, field: targetField, unit };
    const raw = nonEmpty(fieldValue(record, targetField, source), where, 'target');
    const target = verbalizer === undefined ? raw : verbalize(verbalizer, raw, where);
    if (labels !== undefined && !labels.has(target)) {
      throw new DataError(
        where,
        `unknown label ${quote(target)} (labels: ${[...labels].join(', ').slice(0, 200)})`,
        `Fix the line, add it to labels, ${OR_SKIP}`,
      );
    }
    const group = groupOf?.(record);
    const answers = answersOf?.(record);
    return { input: inputText, target, source: { file, line: record.line }, ...(group !== undefined ? { group } : {}), ...(answers !== undefined ? { answers } : {}) };
  };

  const examples: Example[] = [];
  const skip = (err: DataError): void => {
    if (!spec.skipInvalid) throw err;
    skipped.push({ file, line: err.line ?? 0, reason: err.reason });
  };
  // In line order, so the error thrown (or the first skipped line) is the first bad line of the file.
  const items = [...source.records, ...source.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  for (const item of items) {
    if (item instanceof DataError) {
      skip(item);
      continue;
    }
    try {
      const records = rewrite === undefined ? [item] : rewrite(item, file, role);
      examples.push(...records.map(toExample));
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      skip(err);
    }
  }
  return { examples, fieldsUsed: { inputFrom: input.from, targetField } };
}

/** How to read each record's input: through the template, or from one field. */
function inputReader(
  source: SourceFile,
  inputField: string | undefined,
  template: Template | undefined,
): { from: string; read: (record: SourceRecord) => string } {
  const file = source.file;
  const unit = recordUnit(source.format);
  if (template !== undefined) {
    checkTemplateFields(template, source.fields, file);
    return {
      from: template.source,
      read: (record) =>
        nonEmpty(renderTemplate(template, (field) => fieldValue(record, field, source)), { file, line: record.line, unit }, 'input'),
    };
  }
  const field = chooseField(source, 'input', inputField, DEFAULT_INPUT_FIELDS);
  return { from: field, read: (record) => nonEmpty(fieldValue(record, field, source), { file, line: record.line, field, unit }, 'input') };
}

function chooseField(source: SourceFile, role: 'input' | 'target', given: string | undefined, defaults: readonly string[]): string {
  const setting = `${role}Field`;
  if (given !== undefined) {
    if (source.fields.includes(given)) return given;
    throw new DataError(
      { file: source.file, field: given },
      `${setting} names a field the file does not have (fields: ${source.fields.join(', ') || 'none'})`,
      `Set ${setting} to one of the file's fields`,
    );
  }
  const found = defaults.find((name) => source.fields.includes(name));
  if (found !== undefined) return found;
  const alternative = role === 'input' ? ', or a template such as "question: {q}"' : '';
  throw new DataError(
    { file: source.file },
    `no ${role} field: the file has none of ${defaults.join(', ')} (fields: ${source.fields.join(', ') || 'none'})`,
    `Set ${setting} to one of the file's fields${alternative}`,
  );
}

function fieldValue(record: SourceRecord, field: string, source: SourceFile): string {
  const value = record.values.get(field);
  if (value !== undefined) return value;
  const where = { file: source.file, line: record.line, field, unit: recordUnit(source.format) };
  const why = record.unusable.get(field);
  if (why !== undefined) throw new DataError(where, `the value ${why}`, `Fix the line, ${OR_SKIP}`);
  throw new DataError(where, 'missing field', `Add the field to this line, ${OR_SKIP}`);
}

/** The value trimmed; refused when empty, or longer than the tokenizer takes (a template can join several long fields). */
function nonEmpty(value: string, where: DataLocation, role: 'input' | 'target'): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new DataError(where, `empty ${role}`, `Fill in the ${role}, ${OR_SKIP}`);
  if (trimmed.length > MAX_TEXT_CHARS) {
    throw new DataError(where, `the ${role} has ${count(trimmed.length)} characters, more than the ${count(MAX_TEXT_CHARS)} a text may have`, `Shorten it, ${OR_SKIP}`);
  }
  return trimmed;
}

function describeSkippedLine(s: SkippedLine): string {
  return `line ${s.line}: ${s.reason}`;
}

/**
 * One-paragraph report of skipped lines for logs and the UI, e.g.
 * `skipped 3 invalid lines in data.jsonl (lines 4, 9, 12): line 4: malformed JSON (...); ...`.
 */
export function describeSkipped(data: LoadedData, listFirst = 5): string {
  const n = data.skipped.length;
  if (n === 0) return `no invalid lines in ${data.file}`;
  const shown = data.skipped.slice(0, listFirst);
  const more = n > shown.length ? `, and ${n - shown.length} more` : '';
  const lines = shown.map((s) => s.line).join(', ');
  return `skipped ${n} invalid line${n === 1 ? '' : 's'} in ${data.file} (line${n === 1 ? '' : 's'} ${lines}${more}): ${shown
    .map(describeSkippedLine)
    .join('; ')}`;
}

/**
 * Carves a validation set from `examples`: a seeded random `fraction` of them (rounded, at least 1,
 * leaving at least 1 for training). Both parts keep file order. The same seed gives the same split.
 */
export function splitValidation(examples: readonly Example[], fraction: number, seed: number): { train: Example[]; valid: Example[] } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new RangeError(`validation fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  const n = examples.length;
  if (n < 2) {
    throw new RangeError(
      `cannot carve a validation split from ${n} example${n === 1 ? '' : 's'}: need at least 2; add examples or give a validation file`,
    );
  }
  const nValid = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const order = shuffle(
    examples.map((_, i) => i),
    new Rng(seed),
  );
  const isValid = new Set(order.slice(0, nValid));
  const train: Example[] = [];
  const valid: Example[] = [];
  examples.forEach((e, i) => (isValid.has(i) ? valid : train).push(e));
  return { train, valid };
}

/** The distinct targets in code-unit order (the same on every machine and locale). */
export function labelSet(examples: readonly Example[]): string[] {
  return [...new Set(examples.map((e) => e.target))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
