// The task presets whose rows need more than a template (src/core/settings/task-presets.ts), made as
// T5 makes them (t5/data/preprocessors.py): MultiRC without its HTML markup (glue() for
// benchmark 'multirc'), and WSC as wsc_simple writes it: the pronoun marked with asterisks, the
// referent as the target, and only the rows whose referent is the right one (correct_referent_only).
import type { TaskName } from '../../engine-names';
import { DataError, OR_SKIP } from './errors';
import type { SourceRecord } from './formats';

/** A record as the task reads it, or undefined for a row the task leaves out. */
export type RowRewrite = (record: SourceRecord, file: string) => SourceRecord | undefined;

/** T5 removes `<br>` (as a space) and `<b>`, `</b>` from MultiRC's joined input; no field spans a tag, so per field is the same. */
function withoutMarkup(record: SourceRecord): SourceRecord {
  const values = new Map([...record.values].map(([field, value]) => [field, value.replace(/<br>/g, ' ').replace(/<\/?b>/g, '')]));
  return { ...record, values };
}

// T5's _wsc_inputs special-cases two texts of WSC whose span2_index does not point at the pronoun.
const WSC_FIXED_TEXTS = new Map([
  [
    'The boy continued to whip the pony , and eventually the pony threw him over. John laughed out quite loud. "Good for him," he said. ',
    'The boy continued to whip the pony , and eventually the pony threw him over. John laughed out quite loud. "Good for X ," he said.',
  ],
  [
    'When they had eventually calmed down a bit , and had gotten home, Mr. Farley put the magic pebble in an iron safe . Some day they might want to use it , but really for now, what more could they wish for?',
    'When they had eventually calmed down a bit , and had gotten home, Mr. Farley put the magic pebble in an iron safe . Some day they might want to use X , but really for now, what more could they wish for?',
  ],
]);

function field(record: SourceRecord, name: string, file: string): string {
  const value = record.values.get(name);
  if (value === undefined) throw new DataError({ file, line: record.line, field: name }, record.unusable.get(name) ?? 'missing field (WSC rows need text, span1_text, span2_text, span2_index and label)', `Fix the line, ${OR_SKIP}`);
  return value;
}

/** The text with the word at span2_index (split on single spaces) replaced by X. */
function blankedPronoun(record: SourceRecord, file: string): string {
  const text = field(record, 'text', file);
  const fixed = WSC_FIXED_TEXTS.get(text);
  if (fixed !== undefined) return fixed;
  const words = text.split(' ');
  const index = Number(field(record, 'span2_index', file));
  const where = { file, line: record.line, field: 'span2_index' };
  if (!Number.isInteger(index) || index <= 0 || index >= words.length) {
    throw new DataError(where, `must be a word index inside the text, after its first word (got ${JSON.stringify(record.values.get('span2_index'))}; the text has ${words.length} words)`, `Fix the line, ${OR_SKIP}`);
  }
  const pronoun = field(record, 'span2_text', file);
  if (words[index] !== pronoun) {
    throw new DataError(where, `word ${index} of the text is ${JSON.stringify(words[index])}, not span2_text ${JSON.stringify(pronoun)}`, `Fix the line, ${OR_SKIP}`);
  }
  return [words.slice(0, index).join(' '), 'X', words.slice(index + 1).join(' ')].join(' ');
}

function wscSimple(record: SourceRecord, file: string): SourceRecord | undefined {
  const label = field(record, 'label', file);
  if (label !== '0' && label !== '1') {
    throw new DataError({ file, line: record.line, field: 'label' }, `must be 0 or 1 (got ${JSON.stringify(label)})`, `Fix the line, ${OR_SKIP}`);
  }
  if (label === '0') return undefined;
  const marked = blankedPronoun(record, file).replaceAll(' X ', () => ` *${field(record, 'span2_text', file)}* `);
  return { ...record, values: new Map([...record.values, ['text', marked]]) };
}

const REWRITES: Partial<Record<TaskName, RowRewrite>> = { multirc: withoutMarkup, wsc: wscSimple };

/** How the task rewrites its rows; undefined when a template over the fields is all it needs. */
export function taskRows(task: TaskName | undefined): RowRewrite | undefined {
  return task === undefined ? undefined : REWRITES[task];
}

/** Which group a record is a member of, for a metric over groups; undefined when the record does not say. */
export type RowGroup = (record: SourceRecord) => string | undefined;

/**
 * MultiRC's rows are answer options; EM per question (T5's mean_group_metric(all_match), grouped by
 * idx/question) needs the question each belongs to: the hub's idx struct {paragraph, question, answer}.
 * Grouped by paragraph and question, which is T5's grouping whether question indices restart per paragraph or not.
 */
function multircQuestion(record: SourceRecord): string | undefined {
  const paragraph = record.members?.get('idx.paragraph');
  const question = record.members?.get('idx.question');
  return paragraph === undefined || question === undefined ? undefined : `${paragraph}/${question}`;
}

const GROUPS: Partial<Record<TaskName, RowGroup>> = { multirc: multircQuestion };

/** How the task groups its rows (MultiRC: by question); undefined when it does not. */
export function taskGroups(task: TaskName | undefined): RowGroup | undefined {
  return task === undefined ? undefined : GROUPS[task];
}
