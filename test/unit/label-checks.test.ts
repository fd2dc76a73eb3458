// The label checks of exact-match evaluation (invalid outputs, labels never produced, the confusion
// matrix) and label maps for transfer, on small cases counted by hand in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLabels } from '../../src/core/training/label-checks';
import { checkLabelMap, parseLabelMap } from '../../src/core/training/data/label-map';
import { parseVerbalizer } from '../../src/core/training/data/verbalizer';

test('label checks: hallucinated outputs counted with examples, the confusion matrix by gold label with an "other" column', () => {
  const labels = ['entailment', 'not_entailment'];
  const cases: [gold: string, output: string][] = [
    ['entailment', 'entailment'], //           row entailment, column entailment
    ['entailment', 'not_entailment'], //       row entailment, column not_entailment
    ['entailment', 'entailed'], //             row entailment, other
    ['not_entailment', 'not_entailment'], //   row not_entailment, column not_entailment
    ['not_entailment', 'entailed'], //         row not_entailment, other
    ['not_entailment', ''], //                 row not_entailment, other
    ['not_entailment', ' not_entailment '], // surrounding spaces are trimmed, as exact match does
  ];
  const c = checkLabels(cases.map(([, o]) => o), cases.map(([g]) => g), labels);
  assert.deepEqual(c.labels, labels);
  assert.deepEqual(c.golds, labels);
  assert.deepEqual(c.confusion, [
    [1, 1, 1],
    [0, 2, 2],
  ]);
  assert.equal(c.invalid, 3);
  assert.deepEqual(c.invalidExamples, [{ text: 'entailed', count: 2 }, { text: '', count: 1 }]);
  assert.deepEqual(c.neverPredicted, []);
});

test('label checks: a label no output was is listed, a gold target outside the labels gets its own row, examples are the 5 most frequent', () => {
  const golds = ['yes', 'no', 'unsure', 'yes', 'no', 'no', 'no', 'no', 'no', 'no'];
  const outputs = ['yes', 'yes', 'yes', 'a', 'b', 'b', 'c', 'd', 'e', 'f'];
  const c = checkLabels(outputs, golds, ['yes', 'no', 'maybe']);
  // rows yes, no, maybe, unsure; columns yes, no, maybe, other
  assert.deepEqual(c.golds, ['yes', 'no', 'maybe', 'unsure']);
  assert.deepEqual(c.confusion, [
    [1, 0, 0, 1],
    [1, 0, 0, 6],
    [0, 0, 0, 0],
    [1, 0, 0, 0],
  ]);
  assert.equal(c.invalid, 7);
  // b twice, then a, c, d, e once in the order seen; f (once, seen last) is left out.
  assert.deepEqual(c.invalidExamples.map((x) => [x.text, x.count]), [['b', 2], ['a', 1], ['c', 1], ['d', 1], ['e', 1]]);
  assert.deepEqual(c.neverPredicted, ['no', 'maybe']);
});

test('label checks with a label map: the prompt\'s labels are the valid outputs, counted as the data labels they map to', () => {
  const map = parseLabelMap('entailment=duplicate, not_entailment=not_duplicate');
  const golds = ['duplicate', 'duplicate', 'duplicate', 'not_duplicate'];
  const outputs = ['entailment', 'duplicate', 'not_entailment', 'entailment']; // "duplicate" is no label of the prompt
  const c = checkLabels(outputs, golds, ['entailment', 'not_entailment'], map);
  assert.deepEqual(c.labels, ['duplicate', 'not_duplicate']);
  assert.deepEqual(c.confusion, [
    [1, 1, 1],
    [1, 0, 0],
  ]);
  assert.deepEqual(c.invalidExamples, [{ text: 'duplicate', count: 1 }]);
});

test('a malformed label map is refused naming the entry and showing the syntax', () => {
  const refused = (source: string, message: RegExp) => assert.throws(() => parseLabelMap(source), message);
  refused('entailment=duplicate,not_entailment', /^DataSpecError: --label-map: entry 2 "not_entailment" has no "=" in .*; write prompt_label=data_label pairs separated by commas, e.g. entailment=duplicate,not_entailment=not_duplicate$/);
  refused('entailment=duplicate,=x', /entry 2 "=x" has no prompt label before "="/);
  refused('entailment=', /entry 1 "entailment=" has no data label after "="/);
  refused('a=b,,c=d', /entry 2 is empty/);
  refused('a=b, a=c', /prompt label "a" is given twice \(entry 2\)/);
  refused('  ', /--label-map: empty/);
  assert.throws(() => parseLabelMap('x', 'Label map'), /^DataSpecError: Label map: entry 1 "x" has no "="/);
  const labels = ['entailment', 'not_entailment'];
  assert.throws(() => checkLabelMap(parseLabelMap('entailment=duplicate,entail=x'), labels), /entry 2 maps "entail", which is not one of the prompt's labels \("entailment", "not_entailment"\)/);
  assert.throws(() => checkLabelMap(parseLabelMap('entailment=duplicate'), labels), /the prompt's label "not_entailment" has no entry; add not_entailment=<data label>/);
  assert.doesNotThrow(() => checkLabelMap(parseLabelMap('not_entailment=not_duplicate,entailment=duplicate'), labels));
  // The verbalizer shares the syntax and says it in its own words.
  assert.throws(() => parseVerbalizer('0=no,1'), /^DataSpecError: verbalizer: entry 2 "1" has no "=" in "0=no,1"; write label=word pairs separated by commas, e.g. 0=no,1=yes$/);
});
