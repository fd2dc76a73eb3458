// The task presets whose rows need more than a template (src/core/settings/task-presets.ts), made as
// T5 makes them (t5/data/preprocessors.py): MultiRC without its HTML markup (glue() for
// benchmark 'multirc'), WSC as wsc_simple writes it: the pronoun marked with asterisks, the
// referent as the target, and only the rows whose referent is the right one (correct_referent_only),
// and ReCoRD as record() writes it: the passage's @highlight lines joined, the entities listed, one
// example per answer.
import type { DataRole } from '../../dataset-spec';
import type { TaskName } from '../../engine-names';
import { DataError, OR_SKIP } from './errors';
import type { SourceRecord } from './formats';

/** The records a data row becomes as the task reads it in `role`: none for a row the task leaves out, several for a row it expands. */
export type RowRewrite = (record: SourceRecord, file: string, role: DataRole) => SourceRecord[];

/** T5 removes `<br>` (as a space) and `<b>`, `</b>` from MultiRC's joined input; no field spans a tag, so per field is the same. */
function withoutMarkup(record: SourceRecord): SourceRecord[] {
  const values = new Map([...record.values].map(([field, value]) => [field, value.replace(/<br>/g, ' ').replace(/<\/?b>/g, '')]));
  return [{ ...record, values }];
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

const WSC_FIELDS = 'WSC rows need text, span1_text, span2_text, span2_index and label';

function field(record: SourceRecord, name: string, file: string, rowsNeed = WSC_FIELDS): string {
  const value = record.values.get(name);
  if (value === undefined) throw new DataError({ file, line: record.line, field: name }, record.unusable.get(name) ?? `missing field (${rowsNeed})`, `Fix the line, ${OR_SKIP}`);
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

function wscSimple(record: SourceRecord, file: string): SourceRecord[] {
  const label = field(record, 'label', file);
  if (label !== '0' && label !== '1') {
    throw new DataError({ file, line: record.line, field: 'label' }, `must be 0 or 1 (got ${JSON.stringify(label)})`, `Fix the line, ${OR_SKIP}`);
  }
  if (label === '0') return [];
  const marked = blankedPronoun(record, file).replaceAll(' X ', () => ` *${field(record, 'span2_text', file)}* `);
  return [{ ...record, values: new Map([...record.values, ['text', marked]]) }];
}

const RECORD_FIELDS = 'ReCoRD rows need passage, query, entities and answers';

/** A list field of a ReCoRD row (entities, answers), refused when it is not a list of text. */
function textList(record: SourceRecord, name: 'entities' | 'answers', file: string): string[] {
  const list = record.lists?.get(name);
  if (list !== undefined) return list;
  const why = record.values.has(name) ? 'is text, but must be a list of strings' : record.unusable.get(name) ?? `missing field (${RECORD_FIELDS})`;
  throw new DataError({ file, line: record.line, field: name }, why, `Fix the line, ${OR_SKIP}`);
}

/**
 * T5's record(): the passage with each `@highlight` line joined to the text before it (after a
 * sentence's closing punctuation with a space, else with ". "), the entities joined by ", " (as the
 * row lists them: the hub's lists are already distinct), and one example per answer, the answer its
 * target. Validation and evaluation read one example per query instead, which is what T5 scores
 * (deduplicate_metric keeps one example per idx), its target the first answer and every answer gold
 * (Example.answers). Rows without answers (the test split's) get the target <unk> in T5, which can be
 * neither trained on nor scored, so they are refused.
 */
function recordQueries(record: SourceRecord, file: string, role: DataRole): SourceRecord[] {
  const answers = textList(record, 'answers', file);
  if (answers.length === 0) {
    throw new DataError({ file, line: record.line, field: 'answers' }, 'has no answers (the test split\'s rows have none), so the row can be neither trained on nor scored', `Use the train or validation split, ${OR_SKIP}`);
  }
  const passage = field(record, 'passage', file, RECORD_FIELDS)
    .replace(/(\.|\?|!|"|')\n@highlight\n/g, '$1 ')
    .replace(/\n@highlight\n/g, '. ');
  const values = new Map([...record.values, ['passage', passage], ['entities', textList(record, 'entities', file).join(', ')]]);
  const targets = role === 'train' ? answers : answers.slice(0, 1);
  return targets.map((answer) => ({ ...record, values: new Map([...values, ['answers', answer]]) }));
}

const REWRITES: Partial<Record<TaskName, RowRewrite>> = { multirc: withoutMarkup, wsc: wscSimple, record: recordQueries };

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

/** The gold answers of a record, for a metric that scores against all of them (ReCoRD's); undefined when the task has none. */
export function taskAnswers(task: TaskName | undefined): ((record: SourceRecord) => string[] | undefined) | undefined {
  return task === 'record' ? (record) => record.lists?.get('answers') : undefined;
}
