// Task presets (--task): rows of each GLUE/SuperGLUE dataset, as the hub has them, become T5's
// text-to-text examples. The expected strings are written from T5's definitions, not from our code:
// t5/data/glue_utils.py get_glue_text_preprocessor (benchmark name, feature order: sorted names, or
// (question, answer, paragraph) for multirc and (sentence1, sentence2, word) for wic) and
// t5/data/preprocessors.py glue() ("<benchmark> <key>: <value> ..." joined by single spaces, the
// target the ClassLabel name; multirc without <br>, <b>, </b>) and wsc_simple() (the pronoun at
// span2_index between asterisks, "wsc:" first, the referent as target, correct referents only).
// The multirc, wsc and qqp rows are T5's own test rows (preprocessors_test.py, the glue() docstring).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRunSettings, type RunSettings } from '../../src/core/settings/run-settings';
import { TASK_NAMES, type TaskName } from '../../src/core/settings/task-presets';
import { FORM_FIELDS } from '../../src/core/settings/form';
import { loadExamples } from '../../src/core/training/data/dataset';
import { loadData } from '../../src/core/training/data/source';
import { useHubForDatasets } from '../../src/core/hub/engine-resolver';
import { FakeHub } from './hub-fake-hub';
import { exportPeftJob } from '../../src/core/peft-job/export-job';
import { binaryF1, macroF1 } from '../../src/core/training/f1';
import { groupExactMatch } from '../../src/core/training/group-match';
import { metricDataProblem, metricLabelProblem, metricValue } from '../../src/core/training/run-metric';
import { train } from '../../src/core/training/trainer';
import { evaluate } from '../../src/core/training/evaluate';
import type { T5Model } from '../../src/core/t5/model';
import type { T5Tokenizer } from '../../src/core/tokenizer';
import { runSettings } from '../../src/cli/run-options';
import { buildRunRequest } from '../../src/extension/setup/run-request';
import { readTunerSettings } from '../../src/extension/configuration';
import type { TrainEvent } from '../../src/core/training/events';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT, SKIP_NO_SHARED } from '../support/shared';
import { tinyModelDir } from '../support/tiny-model';

const dir = mkdtempSync(join(tmpdir(), 'prompt-tuner-tasks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function jsonl(name: string, rows: readonly object[]): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

const settingsFor = (task: string, more: Record<string, unknown> = {}): RunSettings => resolveRunSettings({ task, model: 'google/t5-base-lm-adapt', out: join(dir, 'run'), ...more });

/** The examples a preset run reads from `rows` (written as the hub's JSON Lines). */
function examplesOf(task: TaskName, rows: readonly object[], more: Record<string, unknown> = {}): [string, string][] {
  const train = jsonl(`${task}.jsonl`, rows);
  const s = settingsFor(task, { train, ...more });
  return loadExamples(train, { inputField: s.inputField, targetField: s.targetField, template: s.template, verbalizer: s.verbalizer, labels: s.labels, task: s.task }).examples.map((e) => [e.input, e.target]);
}

/** The rows without their idx field. */
const withoutIdx = (rows: readonly object[]) => rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'idx')));

interface Case {
  rows: object[];
  expected: [string, string][];
}

// Label names: the ClassLabel names of aps/super_glue and nyu-mll/glue (also TFDS's label_classes).
const CASES: Record<Exclude<TaskName, 'record'>, Case> = {
  boolq: {
    rows: [
      { question: 'do iran and afghanistan speak the same language', passage: 'Persian language -- Persian, also known by its endonym Farsi, is one of the Western Iranian languages.', idx: 0, label: 1 },
      { question: 'is the sun a planet', passage: 'The Sun is the star at the center of the Solar System.', idx: 1, label: 0 },
      { question: 'can you see the moon in the day', passage: 'The Moon is visible in daylight for part of most days.', idx: 2, label: 1 },
    ],
    expected: [
      ['boolq passage: Persian language -- Persian, also known by its endonym Farsi, is one of the Western Iranian languages. question: do iran and afghanistan speak the same language', 'True'],
      ['boolq passage: The Sun is the star at the center of the Solar System. question: is the sun a planet', 'False'],
      ['boolq passage: The Moon is visible in daylight for part of most days. question: can you see the moon in the day', 'True'],
    ],
  },
  cb: {
    rows: [
      { premise: 'It was a complex language. Not written down but handed down. One might say it was peeled down.', hypothesis: 'the language was peeled down', idx: 0, label: 0 },
      { premise: 'The door was open.', hypothesis: 'the door was shut', idx: 1, label: 1 },
      { premise: 'She may come.', hypothesis: 'she will come', idx: 2, label: 2 },
    ],
    expected: [
      ['cb hypothesis: the language was peeled down premise: It was a complex language. Not written down but handed down. One might say it was peeled down.', 'entailment'],
      ['cb hypothesis: the door was shut premise: The door was open.', 'contradiction'],
      ['cb hypothesis: she will come premise: She may come.', 'neutral'],
    ],
  },
  rte: {
    rows: [
      { premise: 'No Weapons of Mass Destruction Found in Iraq Yet.', hypothesis: 'Weapons of Mass Destruction Found in Iraq.', idx: 0, label: 1 },
      { premise: 'A place of sorrow, after Pope John Paul II died, became a place of celebration.', hypothesis: 'Pope John Paul II died.', idx: 1, label: 0 },
      { premise: 'Herceptin was already approved to treat the sickest breast cancer patients.', hypothesis: 'Herceptin can be used to treat breast cancer.', idx: 2, label: 0 },
    ],
    expected: [
      ['rte hypothesis: Weapons of Mass Destruction Found in Iraq. premise: No Weapons of Mass Destruction Found in Iraq Yet.', 'not_entailment'],
      ['rte hypothesis: Pope John Paul II died. premise: A place of sorrow, after Pope John Paul II died, became a place of celebration.', 'entailment'],
      ['rte hypothesis: Herceptin can be used to treat breast cancer. premise: Herceptin was already approved to treat the sickest breast cancer patients.', 'entailment'],
    ],
  },
  wic: {
    rows: [
      { word: 'place', sentence1: 'Do you want to come over to my place later?', sentence2: 'A political system with no place for the less prominent groups.', start1: 31, start2: 27, end1: 36, end2: 32, idx: 0, label: 0 },
      { word: 'bank', sentence1: 'He sat on the bank of the river.', sentence2: 'The river bank was muddy.', start1: 14, start2: 10, end1: 18, end2: 14, idx: 1, label: 1 },
      { word: 'run', sentence1: 'I run every day.', sentence2: 'She runs a company.', start1: 2, start2: 4, end1: 5, end2: 8, idx: 2, label: 0 },
    ],
    expected: [
      ['wic sentence1: Do you want to come over to my place later? sentence2: A political system with no place for the less prominent groups. word: place', 'False'],
      ['wic sentence1: He sat on the bank of the river. sentence2: The river bank was muddy. word: bank', 'True'],
      ['wic sentence1: I run every day. sentence2: She runs a company. word: run', 'False'],
    ],
  },
  copa: {
    rows: [
      { premise: 'My body cast a shadow over the grass.', choice1: 'The sun was rising.', choice2: 'The grass was cut.', question: 'cause', idx: 0, label: 0 },
      { premise: 'The woman tolerated her friend\'s difficult behavior.', choice1: 'The woman knew her friend was going through a hard time.', choice2: 'The woman felt that her friend took advantage of her kindness.', question: 'cause', idx: 1, label: 0 },
      { premise: 'I tipped the bottle.', choice1: 'The liquid in the bottle froze.', choice2: 'The liquid in the bottle poured out.', question: 'effect', idx: 2, label: 1 },
    ],
    expected: [
      ['copa choice1: The sun was rising. choice2: The grass was cut. premise: My body cast a shadow over the grass. question: cause', 'choice1'],
      ['copa choice1: The woman knew her friend was going through a hard time. choice2: The woman felt that her friend took advantage of her kindness. premise: The woman tolerated her friend\'s difficult behavior. question: cause', 'choice1'],
      ['copa choice1: The liquid in the bottle froze. choice2: The liquid in the bottle poured out. premise: I tipped the bottle. question: effect', 'choice2'],
    ],
  },
  multirc: {
    rows: [
      // T5's test_multirc row and its expected input (preprocessors_test.py).
      {
        paragraph: '<b>Sent 1: </b>Once upon a time, there was a squirrel named Joey.<br><b>Sent 2: </b>Joey loved to go outside and play with his cousin Jimmy.',
        question: 'Why was Joey surprised the morning he woke up for breakfast?',
        answer: 'There was only pie to eat',
        idx: { paragraph: 5, question: 1, answer: 3 },
        label: 1,
      },
      { paragraph: '<b>Sent 1: </b>Joey ate pie.', question: 'What did Joey eat?', answer: 'Cake', idx: { paragraph: 5, question: 2, answer: 0 }, label: 0 },
      { paragraph: 'No markup here.<br>Second line.', question: 'Is there markup?', answer: 'No', idx: { paragraph: 6, question: 0, answer: 0 }, label: 1 },
    ],
    expected: [
      ['multirc question: Why was Joey surprised the morning he woke up for breakfast? answer: There was only pie to eat paragraph: Sent 1: Once upon a time, there was a squirrel named Joey. Sent 2: Joey loved to go outside and play with his cousin Jimmy.', 'True'],
      ['multirc question: What did Joey eat? answer: Cake paragraph: Sent 1: Joey ate pie.', 'False'],
      ['multirc question: Is there markup? answer: No paragraph: No markup here. Second line.', 'True'],
    ],
  },
  wsc: {
    rows: [
      // T5's test_wsc_simple rows: the wrong referent is left out (correct_referent_only).
      { text: 'Mitchell asked Tom if he could lend some money.', span1_text: 'Tom', span2_text: 'he', span1_index: 2, span2_index: 4, idx: 1, label: 1 },
      { text: 'Mitchell asked Tom if he could lend some money.', span1_text: 'Mitchell', span2_text: 'he', span1_index: 0, span2_index: 4, idx: 2, label: 0 },
      { text: 'The city councilmen refused the demonstrators a permit because they feared violence.', span1_text: 'The city councilmen', span2_text: 'they', span1_index: 0, span2_index: 9, idx: 3, label: 1 },
      // One of the two texts T5's _wsc_inputs fixes by hand (its span2_index does not point at the pronoun).
      { text: 'The boy continued to whip the pony , and eventually the pony threw him over. John laughed out quite loud. "Good for him," he said. ', span1_text: 'the pony', span2_text: 'him', span1_index: 5, span2_index: 22, idx: 4, label: 1 },
    ],
    expected: [
      ['wsc: Mitchell asked Tom if *he* could lend some money.', 'Tom'],
      ['wsc: The city councilmen refused the demonstrators a permit because *they* feared violence.', 'The city councilmen'],
      ['wsc: The boy continued to whip the pony , and eventually the pony threw him over. John laughed out quite loud. "Good for *him* ," he said.', 'the pony'],
    ],
  },
  mrpc: {
    rows: [
      { sentence1: 'Amrozi accused his brother , whom he called " the witness " , of deliberately distorting his evidence .', sentence2: 'Referring to him as only " the witness " , Amrozi accused his brother of deliberately distorting his evidence .', label: 1, idx: 0 },
      { sentence1: 'Yucaipa owned Dominick \'s before selling the chain to Safeway in 1998 for $ 2.5 billion .', sentence2: 'Yucaipa bought Dominick \'s in 1995 for $ 693 million and sold it to Safeway for $ 1.8 billion in 1998 .', label: 0, idx: 1 },
      { sentence1: 'They had published an advertisement on the Internet on June 10 .', sentence2: 'On June 10 , they published an advertisement on the Internet .', label: 1, idx: 2 },
    ],
    expected: [
      ['mrpc sentence1: Amrozi accused his brother , whom he called " the witness " , of deliberately distorting his evidence . sentence2: Referring to him as only " the witness " , Amrozi accused his brother of deliberately distorting his evidence .', 'equivalent'],
      ['mrpc sentence1: Yucaipa owned Dominick \'s before selling the chain to Safeway in 1998 for $ 2.5 billion . sentence2: Yucaipa bought Dominick \'s in 1995 for $ 693 million and sold it to Safeway for $ 1.8 billion in 1998 .', 'not_equivalent'],
      ['mrpc sentence1: They had published an advertisement on the Internet on June 10 . sentence2: On June 10 , they published an advertisement on the Internet .', 'equivalent'],
    ],
  },
  qqp: {
    rows: [
      // The row of T5's glue() docstring.
      { question1: 'Why do I easily get bored of my friends?', question2: 'Why do I get bored of friends so quickly?', label: 1, idx: 10 },
      { question1: 'How do I learn Python?', question2: 'What is the capital of France?', label: 0, idx: 11 },
      { question1: 'What is the best way to lose weight?', question2: 'How can I lose weight fast?', label: 1, idx: 12 },
    ],
    expected: [
      ['qqp question1: Why do I easily get bored of my friends? question2: Why do I get bored of friends so quickly?', 'duplicate'],
      ['qqp question1: How do I learn Python? question2: What is the capital of France?', 'not_duplicate'],
      ['qqp question1: What is the best way to lose weight? question2: How can I lose weight fast?', 'duplicate'],
    ],
  },
  sst2: {
    rows: [
      // SST-2's sentences end in a space; our inputs are trimmed (T5's tokenizer drops it too).
      { sentence: 'hide new secretions from the parental units ', label: 0, idx: 0 },
      { sentence: 'contains no wit , only labored gags ', label: 0, idx: 1 },
      { sentence: 'that loves its characters and communicates something rather beautiful about human nature ', label: 1, idx: 2 },
    ],
    expected: [
      ['sst2 sentence: hide new secretions from the parental units', 'negative'],
      ['sst2 sentence: contains no wit , only labored gags', 'negative'],
      ['sst2 sentence: that loves its characters and communicates something rather beautiful about human nature', 'positive'],
    ],
  },
  mnli: {
    rows: [
      // A field's own trailing space stays inside the input, as T5's join keeps it.
      { premise: 'Conceptually cream skimming has two basic dimensions - product and geography.', hypothesis: 'Product and geography are what make cream skimming work. ', label: 1, idx: 0 },
      { premise: 'you know during the season and i guess at at your level uh you lose them to the next level', hypothesis: 'You lose the things to the following level if the people recall.', label: 0, idx: 1 },
      { premise: 'One of our number will carry out your instructions minutely.', hypothesis: 'A member of my team will execute your orders with immense precision.', label: 0, idx: 2 },
    ],
    expected: [
      ['mnli hypothesis: Product and geography are what make cream skimming work.  premise: Conceptually cream skimming has two basic dimensions - product and geography.', 'neutral'],
      ['mnli hypothesis: You lose the things to the following level if the people recall. premise: you know during the season and i guess at at your level uh you lose them to the next level', 'entailment'],
      ['mnli hypothesis: A member of my team will execute your orders with immense precision. premise: One of our number will carry out your instructions minutely.', 'entailment'],
    ],
  },
  qnli: {
    rows: [
      { question: 'When did the third Digimon series begin?', sentence: 'Unlike the two seasons before it, Digimon Tamers takes a darker approach.', label: 1, idx: 0 },
      { question: 'Which missile batteries often have individual launchers several kilometres from one another?', sentence: 'When MANPADS is operated by specialists, batteries may have several dozen teams deploying separately in small sections.', label: 1, idx: 1 },
      { question: 'What two things does Popper argue Tarski\'s theory involves in an evaluation of truth?', sentence: 'He bases this interpretation on the fact that examples such as the one described above refer to two things: assertions and the facts to which they refer.', label: 0, idx: 2 },
    ],
    expected: [
      ['qnli question: When did the third Digimon series begin? sentence: Unlike the two seasons before it, Digimon Tamers takes a darker approach.', 'not_entailment'],
      ['qnli question: Which missile batteries often have individual launchers several kilometres from one another? sentence: When MANPADS is operated by specialists, batteries may have several dozen teams deploying separately in small sections.', 'not_entailment'],
      ['qnli question: What two things does Popper argue Tarski\'s theory involves in an evaluation of truth? sentence: He bases this interpretation on the fact that examples such as the one described above refer to two things: assertions and the facts to which they refer.', 'entailment'],
    ],
  },
};

for (const [task, c] of Object.entries(CASES) as [Exclude<TaskName, 'record'>, Case][]) {
  test(`--task ${task}: rows become T5's inputs and targets`, () => {
    assert.deepEqual(examplesOf(task, c.rows), c.expected);
  });
}

test('every task but ReCoRD has a case above (ReCoRD\'s rows expand per answer: task-record.test.ts); the form offers them all', () => {
  assert.deepEqual([...TASK_NAMES].filter((t) => !(t in CASES)), ['record']);
  assert.throws(() => runSettings({ task: 'squad', model: 'm', out: 'o' }), /--task must be one of boolq, cb, rte/);
  assert.deepEqual([...(FORM_FIELDS.find((f) => f.name === 'task')?.choices ?? [])].sort(), ['', ...TASK_NAMES].sort(), 'the setup form offers every task, and none');
});

test('label words are the datasets\' ClassLabel names in index order; the metric is the one the paper reports', () => {
  const expected: Record<string, { labels: string[] | undefined; metric: string }> = {
    boolq: { labels: ['False', 'True'], metric: 'rank' },
    cb: { labels: ['entailment', 'contradiction', 'neutral'], metric: 'acc-macro-f1' },
    rte: { labels: ['entailment', 'not_entailment'], metric: 'rank' },
    wic: { labels: ['False', 'True'], metric: 'rank' },
    copa: { labels: ['choice1', 'choice2'], metric: 'rank' },
    multirc: { labels: ['False', 'True'], metric: 'f1a-em' },
    wsc: { labels: undefined, metric: 'exact-match' },
    mrpc: { labels: ['not_equivalent', 'equivalent'], metric: 'f1' },
    qqp: { labels: ['not_duplicate', 'duplicate'], metric: 'f1' },
    sst2: { labels: ['negative', 'positive'], metric: 'rank' },
    mnli: { labels: ['entailment', 'neutral', 'contradiction'], metric: 'rank' },
    qnli: { labels: ['entailment', 'not_entailment'], metric: 'rank' },
  };
  for (const [task, want] of Object.entries(expected)) {
    const s = settingsFor(task, { train: 'data.jsonl' });
    assert.deepEqual({ labels: s.labels, metric: s.metric }, want, task);
    if (want.labels) assert.equal(s.verbalizer, want.labels.map((l, i) => `${i}=${l}`).join(','), task);
  }
});

test('the paper\'s defaults (prompt 100, class-label init, Adafactor at 0.3, batch 32); the user\'s own settings win', () => {
  const paper = settingsFor('rte', { train: 'data.jsonl' });
  assert.deepEqual([paper.promptLength, paper.init, paper.optimizer, paper.lr, paper.batchSize], [100, { kind: 'class-labels' }, 'adafactor', 0.3, 32]);
  assert.equal(settingsFor('wsc', { train: 'data.jsonl' }).init.kind, 'sampled-vocab', 'free-text targets have no class labels to start from');
  const own = settingsFor('rte', { train: 'data.jsonl', promptLength: 20, init: 'random-uniform', batchSize: 8, metric: 'exact-match', labels: ['entailment', 'not_entailment'] });
  assert.deepEqual([own.promptLength, own.init.kind, own.batchSize, own.metric], [20, 'random-uniform', 8, 'exact-match']);
  const adam = settingsFor('rte', { train: 'data.jsonl', optimizer: 'adam' });
  assert.equal(adam.lr, undefined, 'Adam keeps its own learning rate');
  // A template of their own: the preset's labels still apply.
  assert.deepEqual(examplesOf('rte', CASES.rte.rows.slice(0, 1), { template: '{premise} question: {hypothesis} true or false?' }), [['No Weapons of Mass Destruction Found in Iraq Yet. question: Weapons of Mass Destruction Found in Iraq. true or false?', 'not_entailment']]);
  // An input field instead of the template; a verbalizer of their own replaces the label words.
  const words = settingsFor('rte', { train: 'data.jsonl', inputField: 'premise', verbalizer: '0=yes,1=no' });
  assert.deepEqual([words.template, words.inputField, words.verbalizer, words.labels], [undefined, 'premise', '0=yes,1=no', undefined]);
  assert.deepEqual(examplesOf('rte', CASES.rte.rows.slice(0, 2), { verbalizer: '0=yes,1=no' }).map(([, target]) => target), ['no', 'yes']);
  // A target field of their own: no verbalizer or labels from the preset.
  const field = settingsFor('sst2', { train: 'data.jsonl', targetField: 'label_text' });
  assert.deepEqual([field.targetField, field.verbalizer, field.labels], ['label_text', undefined, undefined]);
  // Resolving twice gives the same settings (the worker and the trainer check them again).
  assert.deepEqual(resolveRunSettings(own), own);
  assert.deepEqual(resolveRunSettings(adam), adam);
});

test('without --train a preset names the task\'s hub splits; a local training file alone holds out a share', () => {
  const mnli = settingsFor('mnli');
  assert.deepEqual([mnli.train, mnli.valid], ['hf:nyu-mll/glue:mnli#train', 'hf:nyu-mll/glue:mnli#validation_matched']);
  assert.deepEqual([settingsFor('boolq').train, settingsFor('boolq').valid], ['hf:aps/super_glue:boolq#train', 'hf:aps/super_glue:boolq#validation']);
  assert.equal(settingsFor('rte', { train: 'local.jsonl' }).valid, undefined, 'as without a task');
});

test('a preset run without --train reads the task\'s splits from the hub and formats their rows', { skip: SKIP_NO_SHARED }, async () => {
  // A stand-in for nyu-mll/glue whose mrpc splits hold the Parquet fixtures (sentence1, sentence2, label: MRPC's fields).
  const parquet = (name: string) => readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'parquet', name));
  const hub = await FakeHub.start([{ id: 'nyu-mll/glue', type: 'dataset', files: { 'mrpc/train-00000-of-00001.parquet': parquet('rte-train.parquet'), 'mrpc/validation-00000-of-00001.parquet': parquet('rte-validation.parquet') } }]);
  try {
    const cache = join(dir, 'hf-cache');
    useHubForDatasets({ env: { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HOME: join(cache, 'home') } });
    const opts = settingsFor('mrpc', { model: tinyModelDir(), out: join(dir, 'mrpc-hub-run'), steps: 1, evalEvery: 1, batchSize: 2, promptLength: 2, maxInputLength: 64, backend: 'cpu' });
    const spec = { targetField: opts.targetField, template: opts.template, verbalizer: opts.verbalizer, labels: opts.labels, task: opts.task };
    const pairs = async (value: string, role: 'train' | 'valid') => (await loadData(value, role, spec)).examples.map((e) => [e.input, e.target]);
    // The rows of rte-train.jsonl and rte-validation.jsonl (the fixtures' twins), as T5's glue() writes them for mrpc.
    assert.deepEqual(await pairs(opts.train, 'train'), [
      ['mrpc sentence1: A cat sat on the mat. sentence2: A cat is sitting.', 'not_equivalent'],
      ['mrpc sentence1: The sun rises in the west. sentence2: The sun rises in the east.', 'equivalent'],
      ['mrpc sentence1: Paris is the capital of France. sentence2: Paris is in France.', 'not_equivalent'],
      ['mrpc sentence1: He bought two apples. sentence2: He bought fruit.', 'not_equivalent'],
      ['mrpc sentence1: It rained all day. sentence2: The ground stayed dry.', 'equivalent'],
    ]);
    assert.deepEqual(await pairs(opts.valid!, 'valid'), [
      ['mrpc sentence1: Water boils at 100 degrees. sentence2: Water can boil.', 'not_equivalent'],
      ['mrpc sentence1: The shop closed at noon. sentence2: The shop was open all night.', 'equivalent'],
    ]);
    const events: TrainEvent[] = [];
    const done = await train(opts, { onEvent: (e) => events.push(e) });
    assert.equal(done.status, 'completed');
    const started = events.find((e) => e.type === 'started');
    assert.ok(started?.type === 'started');
    assert.deepEqual([started.trainExamples, started.validExamples, started.labels], [5, 2, ['not_equivalent', 'equivalent']]);
  } finally {
    await hub.close();
  }
});

test('WSC rows that cannot be marked are named by line and field', () => {
  const bad = jsonl('wsc-bad.jsonl', [{ text: 'Mitchell asked Tom if he could lend some money.', span1_text: 'Tom', span2_text: 'she', span2_index: 4, label: 1 }]);
  const s = settingsFor('wsc', { train: bad });
  assert.throws(() => loadExamples(bad, { template: s.template, targetField: s.targetField, task: 'wsc' }), /wsc-bad\.jsonl, line 1: field "span2_index": word 4 of the text is "he", not span2_text "she"/);
});

test('the CLI takes --task; Tune Prompt takes a task without a file and names the run after it', () => {
  const s = runSettings({ task: 'cb', train: 'cb.jsonl', model: 'm', out: 'o', 'prompt-length': '50' });
  assert.deepEqual([s.task, s.template, s.promptLength], ['cb', 'cb hypothesis: {hypothesis} premise: {premise}', 50]);
  const root = join(dir, 'ws');
  const vscode = readTunerSettings((key) => ({ promptLength: 20, optimizer: 'adam', learningRate: 0.01 })[key]);
  const req = buildRunRequest({ task: 'qnli' }, vscode, root, () => false);
  assert.equal(req.train, 'hf:nyu-mll/glue:qnli#train', 'a hub split is not a path');
  assert.equal(req.out, join(root, '.prompts', 'qnli-1'));
  assert.deepEqual([req.promptLength, req.optimizer, req.lr], [100, 'adafactor', 0.3], 'the preset over the VS Code defaults');
});

test('F1 as sklearn and T5 compute it (t5/evaluation/metrics_test.py)', () => {
  // f1_score_with_invalid([0, 1, 1, 0], [0, 1, 2, 2]) == 50: an invalid prediction counts as the wrong class.
  assert.equal(binaryF1(['0', '1', '0', '1'], ['0', '1', '1', '0'], '1'), 0.5);
  // multirc_f1_over_all_answers: targets 1, 1, 0 and predictions 1, 0, 1 give 50.
  assert.equal(binaryF1(['True', 'False', 'True'], ['True', 'True', 'False'], 'True'), 0.5);
  // sklearn's f1_score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], average=None)[0] == 0.8.
  assert.equal(binaryF1(['0', '2', '1', '0', '0', '1'], ['0', '1', '2', '0', '1', '2'], '0'), 0.8);
  assert.equal(binaryF1(['a'], ['a'], 'b'), 0, 'nothing positive: 0, as sklearn');
});

test('evaluation\'s F1 counts the ranked labels against the targets, with the given positive label', () => {
  // A stand-in model that ranks label 1 first for input token 1 and label 0 otherwise.
  const model = {
    loss: () => 0,
    generate: ({ inputIds }: { inputIds: number[][] }) => ({ sequences: inputIds.map(() => [0]) }),
    score: ({ inputIds }: { inputIds: number[][] }) => inputIds.map((row) => (row[0] === 1 ? [0, 1] : [1, 0])),
  } as unknown as T5Model;
  const tok = { padId: 0, decode: () => '', encodeBatch: (texts: string[]) => ({ inputIds: texts.map((_, i) => [i + 2]) }) } as unknown as T5Tokenizer;
  const row = (input: number, target: string) => ({ inputIds: [input], targetIds: [5], target });
  // Predicted: equivalent, equivalent, equivalent, not_equivalent; TP 2, FP 1, FN 1.
  const rows = [row(1, 'equivalent'), row(1, 'equivalent'), row(1, 'not_equivalent'), row(3, 'equivalent')];
  const r = evaluate(model, tok, undefined, rows, { batchSize: 3, labels: ['not_equivalent', 'equivalent'], metric: 'f1' });
  assert.equal(r.rankAccuracy, 0.5);
  assert.equal(r.f1, 4 / 6);
  assert.equal(evaluate(model, tok, undefined, rows, { batchSize: 3, labels: ['not_equivalent', 'equivalent'] }).f1, undefined, 'no positive label, no F1');
});

test('macro-F1 as sklearn computes it; EM per question as T5\'s mean_group_metric(all_match)', () => {
  // sklearn's f1_score docstring: y_true [0, 1, 2, 0, 1, 2], y_pred [0, 2, 1, 0, 0, 1], average='macro' -> 0.26666...
  // (per class: 0.8, 0, 0).
  assert.ok(Math.abs(macroF1(['0', '2', '1', '0', '0', '1'], ['0', '1', '2', '0', '1', '2'], ['0', '1', '2']) - 0.26666666666666666) < 1e-15);
  // labels=range(3) as T5 passes them: a class neither true nor predicted counts 0 (zero_division), so
  // y_true [0, 0, 1], y_pred [0, 1, 1]: class 0 F1 2/3 (TP 1, FN 1), class 1 F1 2/3 (TP 1, FP 1), class 2 0 -> 4/9.
  assert.ok(Math.abs(macroF1(['0', '1', '1'], ['0', '0', '1'], ['0', '1', '2']) - 4 / 9) < 1e-15);
  // T5's metrics_test (test_mean_group_metric... all_match): groups a: [right, right], b: [right, wrong], c: [right] -> 2/3.
  assert.equal(groupExactMatch([true, true, true, false, true], ['a', 'a', 'b', 'b', 'c']), 2 / 3);
  assert.equal(groupExactMatch([false, true], ['q', 'q']), 0, 'one wrong answer option fails its question');
});

test('evaluation reports CB\'s macro-F1 and MultiRC\'s F1a and EM per question from the ranked labels; the metric is SuperGLUE\'s mean', () => {
  // A stand-in model whose ranked label is the input's first token (index into the labels).
  const model = {
    loss: () => 0,
    generate: ({ inputIds }: { inputIds: number[][] }) => ({ sequences: inputIds.map(() => [0]) }),
    score: ({ inputIds }: { inputIds: number[][] }) => inputIds.map((row) => [0, 1, 2].map((c) => (c === row[0] ? 0 : -1))),
  } as unknown as T5Model;
  const tok = { padId: 9, decode: () => '', encodeBatch: (texts: string[]) => ({ inputIds: texts.map((_, i) => [i + 2]) }) } as unknown as T5Tokenizer;
  const cbLabels = ['entailment', 'contradiction', 'neutral'];
  const row = (ranked: number, target: string, group?: string) => ({ inputIds: [ranked], targetIds: [5], target, ...(group ? { group } : {}) });
  // Gold e, c, n, e, c, n; ranked e, n, c, e, e, c: the sklearn docstring case above (macro-F1 4/15), accuracy 2/6.
  const cb = [row(0, 'entailment'), row(2, 'contradiction'), row(1, 'neutral'), row(0, 'entailment'), row(0, 'contradiction'), row(1, 'neutral')];
  const r = evaluate(model, tok, undefined, cb, { batchSize: 4, labels: cbLabels, metric: 'acc-macro-f1' });
  assert.ok(Math.abs(r.macroF1! - 4 / 15) < 1e-15);
  assert.equal(r.rankAccuracy, 2 / 6);
  assert.ok(Math.abs(metricValue('acc-macro-f1', r) - (2 / 6 + 4 / 15) / 2) < 1e-15);
  assert.equal(evaluate(model, tok, undefined, cb, { batchSize: 4, labels: cbLabels, metric: 'rank' }).macroF1, undefined, 'only when the metric asks');
  // MultiRC: question q1 has options (True ranked True, False ranked False), q2 (True ranked False, False ranked False),
  // q3 (True ranked True). F1a: TP 2, FP 0, FN 1 -> 4/5; EM: q1 and q3 of 3 -> 2/3.
  const mr = [row(1, 'True', 'p0/q1'), row(0, 'False', 'p0/q1'), row(0, 'True', 'p0/q2'), row(0, 'False', 'p0/q2'), row(1, 'True', 'p1/q3')];
  const m = evaluate(model, tok, undefined, mr, { batchSize: 2, labels: ['False', 'True'], metric: 'f1a-em' });
  assert.equal(m.f1, 4 / 5);
  assert.equal(m.groupExactMatch, 2 / 3);
  assert.ok(Math.abs(metricValue('f1a-em', m) - (4 / 5 + 2 / 3) / 2) < 1e-15);
});

test('MultiRC rows carry their question from the hub\'s idx struct (JSON Lines and Parquet alike); f1a-em refuses rows without it', async () => {
  const s = settingsFor('multirc', { train: 'x.jsonl' });
  const spec = { template: s.template, targetField: s.targetField, verbalizer: s.verbalizer, labels: s.labels, task: s.task };
  assert.deepEqual(loadExamples(jsonl('multirc-idx.jsonl', CASES.multirc.rows), spec).examples.map((e) => e.group), ['5/1', '5/2', '6/0']);
  const noIdx = loadExamples(jsonl('multirc-no-idx.jsonl', withoutIdx(CASES.multirc.rows)), spec).examples;
  assert.equal(noIdx[0].group, undefined);
  // The Parquet file pyarrow wrote (scripts/make-parquet-fixtures.py): idx as the hub's struct of int32s.
  const parquet = await loadData(join(REPO_ROOT, 'test', 'fixtures', 'parquet', 'multirc-validation.parquet'), 'valid', spec);
  assert.deepEqual(parquet.examples.map((e) => [e.target, e.group]), [['True', '0/0'], ['False', '0/0'], ['True', '0/1'], ['True', '1/2']]);
  assert.match(metricDataProblem('f1a-em', noIdx) ?? '', /multirc-no-idx\.jsonl, line 1 has no question index \(MultiRC's idx field/);
  assert.equal(metricDataProblem('f1', noIdx), undefined);
  assert.match(metricLabelProblem('acc-macro-f1', undefined) ?? '', /acc-macro-f1 averages F1 over a label set, but there are open-ended targets/);
});

test('a preset run on local files: MRPC selects by F1 of the ranked labels, the positive class being "equivalent"', { skip: SKIP_NO_SHARED }, async () => {
  const rows = CASES.mrpc.rows;
  const train_ = jsonl('mrpc-train.jsonl', [...rows, ...rows]);
  const valid = jsonl('mrpc-valid.jsonl', rows);
  const events: TrainEvent[] = [];
  const opts = settingsFor('mrpc', { model: tinyModelDir(), train: train_, valid, out: join(dir, 'mrpc-run'), steps: 2, evalEvery: 2, batchSize: 2, promptLength: 3, maxInputLength: 96, backend: 'cpu' });
  assert.deepEqual([opts.metric, opts.labels], ['f1', ['not_equivalent', 'equivalent']]);
  const done = await train(opts, { onEvent: (e) => events.push(e) });
  const best = events.flatMap((e) => (e.type === 'eval' && e.best ? [e] : [])).at(-1);
  assert.ok(best?.f1 !== undefined && best.rankAccuracy !== undefined);
  // Two of the three validation rows are positive: F1 differs from accuracy whatever the prompt ranks first.
  assert.notEqual(best.f1, best.rankAccuracy);
  assert.equal(done.bestMetric, best.f1, 'the best prompt is chosen by F1');
  // The PEFT job selects by F1 too (train.py computes it), reading the copied files with the preset's template and label words.
  const { job } = await exportPeftJob(join(dir, 'mrpc-run'), join(dir, 'mrpc-job'));
  assert.deepEqual([job.metric, job.labels, job.data.template, job.data.verbalizer], ['f1', ['not_equivalent', 'equivalent'], opts.template, opts.verbalizer]);
  assert.deepEqual(readFileSync(join(dir, 'mrpc-job', job.data.train), 'utf8'), readFileSync(train_, 'utf8'));
  // Three labels cannot give a binary F1: refused before training, naming the setting.
  await assert.rejects(train(settingsFor('cb', { model: tinyModelDir(), train: jsonl('cb3.jsonl', CASES.cb.rows), out: join(dir, 'cb-run'), metric: 'f1', backend: 'cpu' }), { onEvent: () => undefined }), /metric: f1 scores two labels, the second being the positive class, but there are 3 labels \(entailment, contradiction, neutral\)/);
});

test('CB and MultiRC preset runs select by SuperGLUE\'s score: the mean of accuracy and macro-F1, of F1a and EM per question', { skip: SKIP_NO_SHARED }, async () => {
  const run = async (task: TaskName, rows: object[]) => {
    const data = jsonl(`${task}-selects.jsonl`, rows);
    const events: TrainEvent[] = [];
    const opts = settingsFor(task, { model: tinyModelDir(), train: data, valid: data, out: join(dir, `${task}-selects-run`), steps: 1, evalEvery: 1, batchSize: 2, promptLength: 2, maxInputLength: 96, backend: 'cpu' });
    const done = await train(opts, { onEvent: (e) => events.push(e) });
    const best = events.flatMap((e) => (e.type === 'eval' && e.best ? [e] : [])).at(-1);
    assert.ok(best, task);
    return { done, best };
  };
  const cb = await run('cb', CASES.cb.rows);
  assert.ok(cb.best.macroF1 !== undefined && cb.best.rankAccuracy !== undefined);
  assert.equal(cb.done.bestMetric, (cb.best.rankAccuracy + cb.best.macroF1) / 2);
  const multirc = await run('multirc', CASES.multirc.rows);
  assert.ok(multirc.best.f1 !== undefined && multirc.best.groupExactMatch !== undefined);
  assert.equal(multirc.done.bestMetric, (multirc.best.f1 + multirc.best.groupExactMatch) / 2);
  // Rows without idx cannot be grouped by question: refused before training, saying what to do.
  const noIdx = jsonl('multirc-no-idx-run.jsonl', withoutIdx(CASES.multirc.rows));
  await assert.rejects(train(settingsFor('multirc', { model: tinyModelDir(), train: noIdx, valid: noIdx, out: join(dir, 'multirc-no-idx-run'), backend: 'cpu' }), { onEvent: () => undefined }), /metric: f1a-em scores EM per question, but .*line 1 has no question index.*or --metric f1/);
});

test('prompt-tune eval --task formats the data as the preset does and reports its metric', { skip: SKIP_NO_SHARED }, () => {
  // Only "equivalent" rows: no false positives, so F1 = 2·recall / (1 + recall), recall being rank accuracy.
  const data = jsonl('mrpc-eval.jsonl', CASES.mrpc.rows.filter((row) => (row as { label: number }).label === 1));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), 'eval', '--model', tinyModelDir(), '--data', data, '--task', 'mrpc', '--json'], {
    cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PROMPT_TUNER_BACKEND: 'cpu' },
  });
  assert.equal(r.status, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { metric: string; n: number; f1?: number; rankAccuracy?: number };
  assert.equal(last.metric, 'f1');
  assert.equal(last.n, 2);
  assert.ok(last.f1 !== undefined && last.rankAccuracy !== undefined);
  assert.ok(Math.abs(last.f1 - (2 * last.rankAccuracy) / (1 + last.rankAccuracy)) < 1e-12, `F1 ${last.f1} for recall ${last.rankAccuracy}`);
});

test('WSC and MultiRC runs train on their rewritten rows; their PEFT jobs get those rows (and MultiRC\'s questions), not the raw files', { skip: SKIP_NO_SHARED }, async () => {
  const jobRows = (jobDir: string, name: string) => readFileSync(join(jobDir, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { input: string; target: string; group?: string });
  const wsc = jsonl('wsc-train.jsonl', CASES.wsc.rows);
  const out = join(dir, 'wsc-run');
  const done = await train(settingsFor('wsc', { model: tinyModelDir(), train: wsc, valid: wsc, out, steps: 1, evalEvery: 1, batchSize: 2, promptLength: 2, maxInputLength: 64, backend: 'cpu' }), { onEvent: () => undefined });
  assert.equal(done.status, 'completed');
  const w = await exportPeftJob(out, join(dir, 'wsc-job'));
  assert.deepEqual(jobRows(w.dir, w.job.data.train).map((r) => [r.input, r.target]), CASES.wsc.expected, 'wsc_simple\'s rows, as T5 writes them');
  assert.deepEqual([w.job.metric, w.job.data.inputField, w.job.data.template, w.job.data.groupField], ['exact-match', 'input', undefined, undefined]);
  const multirc = jsonl('multirc-job.jsonl', CASES.multirc.rows);
  const mOut = join(dir, 'multirc-job-run');
  assert.equal((await train(settingsFor('multirc', { model: tinyModelDir(), train: multirc, valid: multirc, out: mOut, steps: 1, evalEvery: 1, batchSize: 2, promptLength: 2, maxInputLength: 96, backend: 'cpu' }), { onEvent: () => undefined })).status, 'completed');
  const m = await exportPeftJob(mOut, join(dir, 'multirc-job'));
  assert.deepEqual(jobRows(m.dir, m.job.data.valid!).map((r) => [r.input, r.target, r.group]), CASES.multirc.expected.map(([input, target], i) => [input, target, ['5/1', '5/2', '6/0'][i]]));
  assert.deepEqual([m.job.metric, m.job.data.groupField], ['f1a-em', 'group']);
});
