// Training data: file formats (JSONL, CSV, TSV), field mapping, templates, verbalizers, errors that
// name file/line/field, skipInvalid, the validation split, the seeded Rng and the resumable batch order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, shuffle } from '../../src/core/rng';
import { parseDelimited } from '../../src/core/training/data/delimited';
import { parseTemplate, renderTemplate } from '../../src/core/training/data/template';
import { parseVerbalizer } from '../../src/core/training/data/verbalizer';
import {
  DataError,
  DataSpecError,
  describeSkipped,
  labelSet,
  loadExamples,
  splitValidation,
  type DataSpec,
  type Example,
} from '../../src/core/training/data/dataset';
import { BatchOrder, type BatchOrderState } from '../../src/core/training/data/batches';
import { REPO_ROOT } from '../support/shared';

const dir = mkdtempSync(join(tmpdir(), 'prompt-tuner-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `content` to a fresh temp file ending in `ext` and returns its path. */
function dataFile(ext: string, content: string | Uint8Array): string {
  fileCount += 1;
  const path = join(dir, `data${fileCount}${ext}`);
  writeFileSync(path, content);
  return path;
}

function jsonl(...objects: unknown[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

function pairs(data: { examples: Example[] }): [string, string, number][] {
  return data.examples.map((e) => [e.input, e.target, e.source.line]);
}

/** Asserts that `fn` throws a DataError at `file` with the given line/field whose message matches `message`. */
function throwsDataError(fn: () => unknown, file: string, expected: { line?: number; field?: string; message: RegExp }): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.equal(err.line, expected.line);
    assert.equal(err.field, expected.field);
    assert.match(err.message, expected.message);
    assert.ok(err.message.includes(file), 'the message names the file');
    if (expected.line !== undefined) assert.ok(err.message.includes(`line ${expected.line}`), 'the message names the line');
    if (expected.field !== undefined) assert.ok(err.message.includes(`"${expected.field}"`), 'the message names the field');
    return true;
  });
}

// ---------------------------------------------------------------- Rng

/** sfc32 written independently from the published algorithm, with BigInt arithmetic modulo 2^32. */
function referenceSfc32(state: number[], count: number): number[] {
  const M = 0xffffffffn;
  let [a, b, c, d] = state.map(BigInt) as [bigint, bigint, bigint, bigint];
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const t = (a + b + d) & M;
    d = (d + 1n) & M;
    a = b ^ (b >> 9n);
    b = (c + (c << 3n)) & M;
    c = (((c << 21n) | (c >> 11n)) & M) + t;
    c &= M;
    out.push(Number(t));
  }
  return out;
}

test('Rng: the generator is sfc32 (matches an independent BigInt implementation)', () => {
  for (const state of [
    [0, 0, 0, 1],
    [0xdeadbeef, 0x12345678, 0xffffffff, 0x80000000],
    new Rng(42).getState(),
  ]) {
    const rng = Rng.fromState(state);
    const ours = Array.from({ length: 1000 }, () => rng.nextUint32());
    assert.deepEqual(ours, referenceSfc32(state, 1000));
  }
});

test('Rng: the same seed gives the same sequence, different seeds differ', () => {
  const draw = (seed: number): number[] => {
    const rng = new Rng(seed);
    return Array.from({ length: 50 }, () => rng.next());
  };
  assert.deepEqual(draw(7), draw(7));
  assert.notDeepEqual(draw(7), draw(8));
  assert.notDeepEqual(draw(0), draw(1));
  assert.throws(() => new Rng(1.5), /integer/);
});

test('Rng: a restored state continues identically', () => {
  const rng = new Rng(123);
  for (let i = 0; i < 37; i++) rng.next();
  const saved = JSON.parse(JSON.stringify(rng.getState())) as number[];
  const expected = [rng.next(), rng.int(10), rng.uniform(-0.5, 0.5), rng.nextUint32()];
  const restored = Rng.fromState(saved);
  assert.deepEqual([restored.next(), restored.int(10), restored.uniform(-0.5, 0.5), restored.nextUint32()], expected);
  const other = new Rng(999);
  other.setState(saved);
  assert.equal(other.next(), expected[0]);
  assert.throws(() => rng.setState([1, 2, 3]), /four uint32/);
  assert.throws(() => rng.setState([1, 2, 3, -1]), /four uint32/);
});

test('Rng: int, uniform and next stay in range and are roughly uniform', () => {
  const rng = new Rng(5);
  const counts = [0, 0, 0];
  const draws = 30000;
  for (let i = 0; i < draws; i++) counts[rng.int(3)]++;
  for (const c of counts) assert.ok(Math.abs(c - draws / 3) < draws * 0.03, `counts ${counts.join(',')}`);
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const u = rng.uniform(-0.5, 0.5);
    lo = Math.min(lo, u);
    hi = Math.max(hi, u);
    sum += u;
  }
  assert.ok(lo >= -0.5 && hi < 0.5 && lo < -0.49 && hi > 0.49, `range ${lo}..${hi}`);
  assert.ok(Math.abs(sum / 20000) < 0.01, `mean ${sum / 20000}`);
  assert.equal(rng.int(1), 0);
  const big = rng.int(2 ** 32);
  assert.ok(Number.isInteger(big) && big >= 0 && big < 2 ** 32);
  assert.throws(() => rng.int(0), /1 <= n/);
  assert.throws(() => rng.int(2.5), /integer/);
});

test('shuffle: a seeded Fisher–Yates permutation, all orders equally likely', () => {
  assert.deepEqual(shuffle([], new Rng(1)), []);
  const a = shuffle([...Array(20).keys()], new Rng(3));
  assert.deepEqual([...a].sort((x, y) => x - y), [...Array(20).keys()]);
  assert.deepEqual(shuffle([...Array(20).keys()], new Rng(3)), a);
  const rng = new Rng(11);
  const seen = new Map<string, number>();
  for (let i = 0; i < 6000; i++) {
    const key = shuffle(['a', 'b', 'c'], rng).join('');
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  assert.equal(seen.size, 6);
  for (const [order, c] of seen) assert.ok(Math.abs(c - 1000) < 120, `${order}: ${c}`);
});

// ---------------------------------------------------------------- CSV / TSV parsing

test('CSV: RFC 4180 quoting (commas, "" escapes, line breaks inside quotes) keeps line numbers', () => {
  const text =
    'text,label\n' +
    '"Hello, world",yes\n' +
    '"She said ""hi""",no\n' +
    '"first line\nsecond line",yes\n' +
    'plain,no\n' +
    '"",yes\n' +
    'last,"no"';
  const { rows, unterminatedQuoteLine } = parseDelimited(text, ',');
  assert.equal(unterminatedQuoteLine, undefined);
  assert.deepEqual(
    rows.map((r) => [r.line, r.fields]),
    [
      [1, ['text', 'label']],
      [2, ['Hello, world', 'yes']],
      [3, ['She said "hi"', 'no']],
      [4, ['first line\nsecond line', 'yes']],
      [6, ['plain', 'no']],
      [7, ['', 'yes']],
      [8, ['last', 'no']],
    ],
  );
});

test('CSV: CRLF and CR line ends, blank lines, empty fields, a quote inside an unquoted field', () => {
  const { rows } = parseDelimited('a,b,c\r\n1,,3\r\n\r\n"x\r\ny",5\'s,6\rit"s,,\r\n', ',');
  assert.deepEqual(
    rows.map((r) => [r.line, r.fields, r.problem]),
    [
      [1, ['a', 'b', 'c'], undefined],
      [2, ['1', '', '3'], undefined],
      [4, ['x\r\ny', "5's", '6'], undefined],
      [6, ['it"s', '', ''], undefined],
    ],
  );
});

test('CSV: text after a closing quote is a problem of that row; an unclosed quote is reported where it opens', () => {
  const bad = parseDelimited('t,l\n"ab"cd,yes\nok,no\n', ',');
  assert.match(bad.rows[1]?.problem ?? '', /after its closing quote/);
  assert.equal(bad.rows[1]?.line, 2);
  assert.deepEqual(bad.rows[2]?.fields, ['ok', 'no']);
  const open = parseDelimited('t,l\nok,no\n"never closed,yes\nmore,no\n', ',');
  assert.equal(open.unterminatedQuoteLine, 3);
});

test('CSV file: BOM, quoted fields and CRLF load into examples with source lines', () => {
  const file = dataFile('.csv', '\uFEFFtext,label\r\n"Is it good, really?",yes\r\n"multi\r\nline",no\r\nshort,yes\r\n');
  const data = loadExamples(file, {});
  assert.deepEqual(pairs(data), [
    ['Is it good, really?', 'yes', 2],
    ['multi\r\nline', 'no', 3],
    ['short', 'yes', 5],
  ]);
  assert.equal(data.inputFrom, 'text');
  assert.equal(data.targetField, 'label');
  assert.deepEqual(data.skipped, []);
  assert.equal(data.examples[0]?.source.file, file);
});

test('CSV file: wrong number of fields, text after a quote, unclosed quote, duplicate header', () => {
  const short = dataFile('.csv', 'text,label\nfine,yes\nno label here\n');
  throwsDataError(() => loadExamples(short, {}), short, { line: 3, message: /1 comma-separated fields but the header has 2.*double quotes.*skipInvalid/ });
  const extra = dataFile('.csv', 'text,label\nan, unquoted comma,yes\n');
  throwsDataError(() => loadExamples(extra, {}), extra, { line: 2, message: /3 comma-separated fields but the header has 2/ });
  const junk = dataFile('.csv', 'text,label\n"quoted" then text,yes\n');
  throwsDataError(() => loadExamples(junk, {}), junk, { line: 2, message: /after its closing quote.*""/ });
  const unclosed = dataFile('.csv', 'text,label\nok,yes\n"oops,no\nmore,yes\n');
  throwsDataError(() => loadExamples(unclosed, { skipInvalid: true }), unclosed, { line: 3, message: /closing quote is missing/ });
  const dup = dataFile('.csv', 'text,label,text\na,b,c\n');
  throwsDataError(() => loadExamples(dup, {}), dup, { line: 1, field: 'text', message: /column 1 and column 3/ });
});

test('CSV file: header only is "no examples"; header names are trimmed; unnamed columns are ignored', () => {
  const headerOnly = dataFile('.csv', 'text,label\n');
  throwsDataError(() => loadExamples(headerOnly, {}), headerOnly, { message: /no examples/ });
  const indexed = dataFile('.csv', ',text , label\n0,hello,yes\n1,bye,no\n');
  assert.deepEqual(pairs(loadExamples(indexed, {})), [
    ['hello', 'yes', 2],
    ['bye', 'no', 3],
  ]);
});

test('TSV file: tab-separated with the same quoting; commas are plain text', () => {
  const file = dataFile('.tsv', 'sentence\tlabel\nyes, a comma\t1\n"a\ttab"\t0\n"quote ""x"""\t1\n');
  const data = loadExamples(file, { verbalizer: '0=no,1=yes' });
  assert.deepEqual(pairs(data), [
    ['yes, a comma', 'yes', 2],
    ['a\ttab', 'no', 3],
    ['quote "x"', 'yes', 4],
  ]);
  const wrong = dataFile('.tsv', 'sentence\tlabel\nno tab here\n');
  throwsDataError(() => loadExamples(wrong, {}), wrong, { line: 2, message: /1 tab-separated fields/ });
});

// ---------------------------------------------------------------- JSONL

test('JSONL: numbers and booleans become text, blank lines are skipped, line numbers are physical', () => {
  const file = dataFile('.jsonl', '{"text": "a", "label": 1}\n\n{"text": "b", "label": true, "meta": {"x": [1]}}\r\n   \n{"text": 3.5, "label": "x"}');
  const data = loadExamples(file, {});
  assert.deepEqual(pairs(data), [
    ['a', '1', 1],
    ['b', 'true', 3],
    ['3.5', 'x', 5],
  ]);
  const json = dataFile('.json', jsonl({ input: 'in', output: 'out' }));
  assert.deepEqual(pairs(loadExamples(json, {})), [['in', 'out', 1]]);
});

test('JSONL: a malformed line names the file and line and says what to do', () => {
  const file = dataFile('.jsonl', jsonl({ text: 'ok', label: 'yes' }) + '{"text": "broken", "label": \n' + jsonl({ text: 'ok', label: 'no' }));
  throwsDataError(() => loadExamples(file, {}), file, { line: 2, message: /malformed JSON.*one JSON object.*skipInvalid/ });
  const notObject = dataFile('.jsonl', jsonl({ text: 'ok', label: 'yes' }, 'just a string', [1, 2]));
  throwsDataError(() => loadExamples(notObject, {}), notObject, { line: 2, message: /expected a JSON object, got a string/ });
});

test('JSONL: an object, array or null in a used field is an error naming the field', () => {
  const nested = dataFile('.jsonl', jsonl({ text: 'ok', label: 'yes' }, { text: { a: 1 }, label: 'no' }));
  throwsDataError(() => loadExamples(nested, {}), nested, { line: 2, field: 'text', message: /is an object, but must be a string, number or boolean/ });
  const list = dataFile('.jsonl', jsonl({ text: 'ok', label: ['yes'] }));
  throwsDataError(() => loadExamples(list, {}), list, { line: 1, field: 'label', message: /is an array/ });
  const nul = dataFile('.jsonl', jsonl({ text: 'ok', label: null }));
  throwsDataError(() => loadExamples(nul, {}), nul, { line: 1, field: 'label', message: /is null/ });
});

test('JSONL: a file holding one JSON array is rejected with a hint', () => {
  const file = dataFile('.json', '[\n  {"text": "a", "label": "b"}\n]\n');
  throwsDataError(() => loadExamples(file, {}), file, { line: 1, message: /JSON array.*one JSON object per line/ });
});

// ---------------------------------------------------------------- whole-file problems

test('empty, missing, unreadable and unknown-type files give clear errors', () => {
  for (const [ext, content] of [
    ['.jsonl', ''],
    ['.jsonl', '\n  \n'],
    ['.csv', ''],
    ['.tsv', '\uFEFF\r\n'],
  ] as const) {
    const file = dataFile(ext, content);
    throwsDataError(() => loadExamples(file, {}), file, { message: /the file is empty\. Add/ });
  }
  const missing = join(dir, 'nope.jsonl');
  throwsDataError(() => loadExamples(missing, {}), missing, { message: /file not found/ });
  const folder = join(dir, 'folder.jsonl');
  mkdirSync(folder);
  throwsDataError(() => loadExamples(folder, {}), folder, { message: /a folder, not a file/ });
  const txt = dataFile('.txt', 'hello');
  throwsDataError(() => loadExamples(txt, {}), txt, { message: /unknown data file type "\.txt".*\.jsonl, \.json, \.csv, \.tsv/ });
  const latin1 = dataFile('.csv', Uint8Array.from([...Buffer.from('text,label\ncaf'), 0xe9, ...Buffer.from(',yes\n')]));
  throwsDataError(() => loadExamples(latin1, {}), latin1, { message: /not valid UTF-8/ });
  const utf16 = dataFile('.csv', Uint8Array.from([0xff, 0xfe, 0x74, 0x00]));
  throwsDataError(() => loadExamples(utf16, {}), utf16, { message: /UTF-16/ });
});

// ---------------------------------------------------------------- fields

test('default fields: input > text > sentence and target > label > output', () => {
  const both = dataFile('.jsonl', jsonl({ sentence: 's', text: 't', input: 'i', output: 'o', label: 'l' }));
  assert.deepEqual(pairs(loadExamples(both, {})), [['i', 'l', 1]]);
  const later = dataFile('.jsonl', jsonl({ sentence: 's', text: 't', output: 'o' }));
  assert.deepEqual(pairs(loadExamples(later, {})), [['t', 'o', 1]]);
  const explicit = dataFile('.jsonl', jsonl({ question: 'q', answer: 'a', text: 't', label: 'l' }));
  assert.deepEqual(pairs(loadExamples(explicit, { inputField: 'question', targetField: 'answer' })), [['q', 'a', 1]]);
});

test('no matching field lists the available fields', () => {
  const file = dataFile('.csv', 'premise,hypothesis,gold\na,b,c\n');
  throwsDataError(() => loadExamples(file, {}), file, {
    message: /no input field: the file has none of input, text, sentence \(fields: premise, hypothesis, gold\).*inputField.*template/,
  });
  throwsDataError(() => loadExamples(file, { inputField: 'premise' }), file, { message: /no target field.*target, label, output.*premise, hypothesis, gold/ });
  throwsDataError(() => loadExamples(file, { inputField: 'prem', targetField: 'gold' }), file, {
    field: 'prem',
    message: /inputField names a field the file does not have \(fields: premise, hypothesis, gold\)/,
  });
});

test('a missing field on one line names the field and the line', () => {
  const file = dataFile('.jsonl', jsonl({ text: 'a', label: 'yes' }, { text: 'b', label: 'no' }, { text: 'c' }));
  throwsDataError(() => loadExamples(file, {}), file, { line: 3, field: 'label', message: /missing field.*Add the field.*skipInvalid/ });
});

test('empty targets and empty inputs are errors', () => {
  const target = dataFile('.csv', 'text,label\na,yes\nb,  \n');
  throwsDataError(() => loadExamples(target, {}), target, { line: 3, field: 'label', message: /empty target/ });
  const input = dataFile('.jsonl', jsonl({ text: '', label: 'yes' }));
  throwsDataError(() => loadExamples(input, {}), input, { line: 1, field: 'text', message: /empty input/ });
});

test('inputs and targets are trimmed', () => {
  const file = dataFile('.csv', 'text,label\n  padded input \t, yes \n');
  assert.deepEqual(pairs(loadExamples(file, {})), [['padded input', 'yes', 2]]);
});

// ---------------------------------------------------------------- templates

test('template: placeholders, {{ }} escapes and rendering', () => {
  const t = parseTemplate('premise: {premise} hypothesis: { hypothesis } {{literal}} {premise}');
  assert.deepEqual(t.fields, ['premise', 'hypothesis']);
  assert.deepEqual(t.parts, [
    { kind: 'text', text: 'premise: ' },
    { kind: 'field', field: 'premise' },
    { kind: 'text', text: ' hypothesis: ' },
    { kind: 'field', field: 'hypothesis' },
    { kind: 'text', text: ' {literal} ' },
    { kind: 'field', field: 'premise' },
  ]);
  assert.equal(renderTemplate(t, (f) => f.toUpperCase()), 'premise: PREMISE hypothesis: HYPOTHESIS {literal} PREMISE');
});

test('template: malformed templates are DataSpecErrors that say how to fix them', () => {
  const cases: [string, RegExp][] = [
    ['a {b', /never closed.*\{\{/],
    ['a } b {c}', /lone "}" at character 3.*}}/],
    ['{} {x}', /empty placeholder at character 1/],
    ['{a {b}}', /not closed before the next/],
    ['no placeholders {{here}}', /no \{field\} placeholder/],
  ];
  for (const [source, message] of cases) {
    assert.throws(() => parseTemplate(source), (err: unknown) => err instanceof DataSpecError && err.setting === 'template' && message.test(err.message));
  }
});

test('template: builds inputs from several fields; an unknown placeholder lists the fields', () => {
  const file = dataFile('.csv', 'premise,hypothesis,label\nA man sleeps.,A person rests.,0\nIt rains.,It is dry.,1\n');
  const spec: DataSpec = { template: 'premise: {premise} hypothesis: {hypothesis}', verbalizer: '0=entailment,1=contradiction' };
  assert.deepEqual(pairs(loadExamples(file, spec)), [
    ['premise: A man sleeps. hypothesis: A person rests.', 'entailment', 2],
    ['premise: It rains. hypothesis: It is dry.', 'contradiction', 3],
  ]);
  throwsDataError(() => loadExamples(file, { template: 'p: {premise} h: {hyp}' }), file, {
    field: 'hyp',
    message: /uses \{hyp\}, but the file has no such field \(fields: premise, hypothesis, label\)/,
  });
  assert.throws(() => loadExamples(file, { template: '{premise}', inputField: 'premise' }), DataSpecError);
  const partial = dataFile('.jsonl', jsonl({ q: 'a', c: 'b', label: 'x' }, { q: 'c', label: 'y' }));
  throwsDataError(() => loadExamples(partial, { template: '{q} / {c}' }), partial, { line: 2, field: 'c', message: /missing field/ });
});

// ---------------------------------------------------------------- verbalizer and labels

test('verbalizer: parsing and malformed specs', () => {
  assert.deepEqual([...parseVerbalizer(' 0 = no , 1=yes,x=a=b').words], [
    ['0', 'no'],
    ['1', 'yes'],
    ['x', 'a=b'],
  ]);
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['0=no,1', /entry 2 "1" has no "="/],
    ['0=no,,1=yes', /entry 2 is empty/],
    ['=no', /no label before/],
    ['0=', /no word after/],
    ['0=no,0=yes', /label "0" is given twice/],
  ];
  for (const [source, message] of cases) {
    assert.throws(
      () => parseVerbalizer(source),
      (err: unknown) => err instanceof DataSpecError && err.setting === 'verbalizer' && message.test(err.message) && /e\.g\. 0=no,1=yes/.test(err.message),
    );
  }
});

test('verbalizer: an unknown label names file, line, field, the value and the known labels', () => {
  const file = dataFile('.csv', 'text,label\na,0\nb,1\nc,2\n');
  assert.deepEqual(
    loadExamples(file, { verbalizer: '0=no,1=yes', skipInvalid: true }).examples.map((e) => e.target),
    ['no', 'yes'],
  );
  throwsDataError(() => loadExamples(file, { verbalizer: '0=no,1=yes' }), file, {
    line: 4,
    field: 'label',
    message: /unknown label "2" \(the verbalizer knows "0", "1"\).*Add it to the verbalizer/,
  });
});

test('labels: a target outside the given labels is an unknown label; the verbalizer must map into them', () => {
  const file = dataFile('.jsonl', jsonl({ text: 'a', label: 'yes' }, { text: 'b', label: 'maybe' }));
  throwsDataError(() => loadExamples(file, { labels: ['yes', 'no'] }), file, {
    line: 2,
    field: 'label',
    message: /unknown label "maybe" \(labels: yes, no\)/,
  });
  assert.throws(() => loadExamples(file, { labels: ['yes', 'no'], verbalizer: 'yes=yes,maybe=perhaps' }), /verbalizer: maps to "perhaps", which is not in labels/);
});

// ---------------------------------------------------------------- skipInvalid

test('skipInvalid skips bad lines and reports how many and which', () => {
  const lines = [
    '{"text": "good 1", "label": "yes"}',
    '{"text": "bad json"',
    '{"text": "good 2", "label": "no"}',
    '{"label": "no"}',
    '{"text": "unknown", "label": "maybe"}',
    '{"text": "", "label": "no"}',
    '[1]',
    '{"text": "good 3", "label": "yes"}',
    '{"text": {"nested": 1}, "label": "yes"}',
  ];
  const file = dataFile('.jsonl', lines.join('\n'));
  const data = loadExamples(file, { skipInvalid: true, labels: ['yes', 'no'] });
  assert.deepEqual(pairs(data), [
    ['good 1', 'yes', 1],
    ['good 2', 'no', 3],
    ['good 3', 'yes', 8],
  ]);
  assert.deepEqual(
    data.skipped.map((s) => s.line),
    [2, 4, 5, 6, 7, 9],
  );
  assert.ok(data.skipped.every((s) => s.file === file));
  assert.match(data.skipped[1]?.reason ?? '', /^field "text": missing field$/);
  const report = describeSkipped(data, 3);
  assert.match(report, /^skipped 6 invalid lines in .*data\d+\.jsonl \(lines 2, 4, 5, and 3 more\): line 2: malformed JSON/);
  assert.match(report, /line 5: field "label": unknown label "maybe"/);
  assert.doesNotMatch(report, /line 6/);
  const csv = dataFile('.csv', 'text,label\nok,yes\nbroken\n"x"y,no\n');
  assert.equal(loadExamples(csv, { skipInvalid: true }).skipped.length, 2);
  assert.equal(describeSkipped(loadExamples(dataFile('.csv', 'text,label\na,b\n'), {})), `no invalid lines in ${join(dir, `data${fileCount}.csv`)}`);
});

test('skipInvalid: when every line is invalid the load still fails, showing the first problem', () => {
  const file = dataFile('.jsonl', '{oops\n{"text": "x", "label": ""}\n');
  throwsDataError(() => loadExamples(file, { skipInvalid: true }), file, { message: /all 2 data lines are invalid, e\.g\. line 1: malformed JSON/ });
});

// ---------------------------------------------------------------- split, label set

function examplesOf(n: number): Example[] {
  return Array.from({ length: n }, (_, i) => ({ input: `x${i}`, target: i % 2 ? 'yes' : 'no', source: { file: 'f', line: i + 1 } }));
}

test('splitValidation: seeded, deterministic, disjoint, file order kept', () => {
  const all = examplesOf(100);
  const a = splitValidation(all, 0.2, 1);
  const b = splitValidation(all, 0.2, 1);
  assert.deepEqual(a, b);
  assert.equal(a.valid.length, 20);
  assert.equal(a.train.length, 80);
  const lines = (es: Example[]): number[] => es.map((e) => e.source.line);
  assert.deepEqual([...lines(a.train), ...lines(a.valid)].sort((x, y) => x - y), lines(all));
  for (const part of [a.train, a.valid]) assert.deepEqual(lines(part), [...lines(part)].sort((x, y) => x - y));
  // Not simply the first or last 20 lines, and another seed picks another set.
  assert.notDeepEqual(lines(a.valid), lines(all.slice(0, 20)));
  assert.notDeepEqual(lines(a.valid), lines(all.slice(80)));
  assert.notDeepEqual(lines(splitValidation(all, 0.2, 2).valid), lines(a.valid));
});

test('splitValidation: at least one example on each side, clear errors when too few', () => {
  assert.deepEqual(
    [splitValidation(examplesOf(2), 0.01, 0)].map((s) => [s.train.length, s.valid.length]),
    [[1, 1]],
  );
  const nine = splitValidation(examplesOf(10), 0.99, 0);
  assert.deepEqual([nine.train.length, nine.valid.length], [1, 9]);
  assert.throws(() => splitValidation(examplesOf(1), 0.1, 0), /from 1 example: need at least 2.*validation file/);
  assert.throws(() => splitValidation([], 0.1, 0), /from 0 examples/);
  for (const f of [0, 1, -0.1, Number.NaN]) assert.throws(() => splitValidation(examplesOf(10), f, 0), /between 0 and 1/);
});

test('labelSet: distinct targets in code-unit order', () => {
  const es = ['yes', 'no', 'Yes', 'no', 'b', 'a', 'yes'].map((target, i) => ({ input: 'x', target, source: { file: 'f', line: i + 1 } }));
  assert.deepEqual(labelSet(es), ['Yes', 'a', 'b', 'no', 'yes']);
});

// ---------------------------------------------------------------- batch order

function take(order: BatchOrder, count: number): { epoch: number; indexInEpoch: number; indices: number[] }[] {
  return Array.from({ length: count }, () => order.next());
}

test('BatchOrder: each epoch is a fresh permutation cut into batches; the short last batch is kept', () => {
  const order = new BatchOrder(10, 3, 42);
  assert.equal(order.batchesPerEpoch, 4);
  const batches = take(order, 12);
  assert.deepEqual(
    batches.map((b) => [b.epoch, b.indexInEpoch, b.indices.length]),
    [0, 1, 2].flatMap((e) => [
      [e, 0, 3],
      [e, 1, 3],
      [e, 2, 3],
      [e, 3, 1],
    ]),
  );
  const epochs = [0, 1, 2].map((e) => batches.filter((b) => b.epoch === e).flatMap((b) => b.indices));
  for (const perm of epochs) assert.deepEqual([...perm].sort((x, y) => x - y), [...Array(10).keys()]);
  assert.notDeepEqual(epochs[0], epochs[1]);
  assert.deepEqual(take(new BatchOrder(10, 3, 42), 12), batches);
  assert.notDeepEqual(take(new BatchOrder(10, 3, 43), 4), batches.slice(0, 4));
  assert.deepEqual(
    take(new BatchOrder(3, 8, 1), 2).map((b) => [b.epoch, b.indices.length]),
    [
      [0, 3],
      [1, 3],
    ],
  );
});

test('BatchOrder: interrupted after n batches and restored, the rest of the sequence is identical', () => {
  const total = 30;
  const uninterrupted = take(new BatchOrder(11, 4, 7), total);
  for (const n of [0, 1, 2, 3, 5, 6, 12, 29]) {
    const first = new BatchOrder(11, 4, 7);
    const before = take(first, n);
    // Through JSON, as a checkpoint stores it.
    const state = JSON.parse(JSON.stringify(first.getState())) as BatchOrderState;
    const resumed = BatchOrder.restore(state);
    assert.deepEqual([...before, ...take(resumed, total - n)], uninterrupted, `interrupted after ${n}`);
  }
});

test('BatchOrder: bad arguments and corrupt states are rejected', () => {
  assert.throws(() => new BatchOrder(0, 2, 1), /at least 1 example/);
  assert.throws(() => new BatchOrder(5, 0, 1), /batch size/);
  const good = new BatchOrder(5, 2, 1).getState();
  assert.throws(() => BatchOrder.restore({ ...good, permutation: [0, 1, 2, 3, 3] }), /not a permutation/);
  assert.throws(() => BatchOrder.restore({ ...good, permutation: [0, 1, 2, 3] }), /not a permutation/);
  assert.throws(() => BatchOrder.restore({ ...good, position: 1 }), /not a batch start/);
  assert.throws(() => BatchOrder.restore({ ...good, position: 6 }), /not a batch start/);
  assert.throws(() => BatchOrder.restore({ ...good, rng: [1, 2] }), /four uint32/);
  assert.doesNotThrow(() => BatchOrder.restore({ ...good, position: 5 }));
});

// ---------------------------------------------------------------- keyword task generator

test('make-keyword-task: balanced, labelled by keyword presence, seeded', () => {
  const script = join(REPO_ROOT, 'scripts', 'make-keyword-task.ts');
  const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const make = (out: string, n: number, seed: number): string => {
    execFileSync(tsx, [script, '--out', out, '--n', String(n), '--seed', String(seed)], { stdio: 'pipe' });
    return readFileSync(out, 'utf8');
  };
  const a = make(join(dir, 'kw-a.jsonl'), 101, 5);
  assert.equal(make(join(dir, 'kw-b.jsonl'), 101, 5), a);
  assert.notEqual(make(join(dir, 'kw-c.jsonl'), 101, 6), a);
  const data = loadExamples(join(dir, 'kw-a.jsonl'), { labels: ['yes', 'no'] });
  assert.equal(data.examples.length, 101);
  const yes = data.examples.filter((e) => e.target === 'yes').length;
  assert.equal(yes, 51);
  const keywords = ['apple', 'guitar', 'rocket'];
  for (const e of data.examples) {
    const hasKeyword = e.input.split(/\s+/).some((w) => keywords.includes(w));
    assert.equal(e.target, hasKeyword ? 'yes' : 'no', e.input);
  }
  assert.ok(new Set(data.examples.map((e) => e.input)).size > 90, 'sentences vary');
  assert.throws(() => execFileSync(tsx, [script, '--n', '10'], { stdio: 'pipe' }), /--out is required/);
});
