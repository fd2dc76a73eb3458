// Task presets: the GLUE and SuperGLUE tasks of the paper (Lester et al. 2021) and of T5 (Raffel et
// al. 2020), each as the settings it implies: the dataset on the Hugging Face hub, T5's text-to-text
// input and label words, the metric the paper reports and the paper's training defaults. A preset
// only fills in what the user did not give, so the user's own fields always win.
//
// T5's formats are those of t5/data/glue_utils.py (get_glue_text_preprocessor) and
// t5/data/preprocessors.py (glue, wsc_simple, record): the input is "<benchmark> <key>: <value> ..."
// over the example's features sorted by name, except for multirc (question, answer, paragraph) and
// wic (sentence1, sentence2, word), and record's own "record query: ... entities: ... passage: ...";
// the target is the label's ClassLabel name. The rows that need more than a template (multirc's
// markup, wsc's marked pronoun, record's passage, entity list and answers) are
// src/core/training/data/task-rows.ts.
import { TASK_NAMES, type Metric, type OptimizerKind, type TaskName } from '../engine-names';
import { describeHubDataset } from '../dataset-spec';
import { DEFAULT_REVISION } from '../repo-spec';

export { TASK_NAMES, type TaskName };

export interface TaskPreset {
  /** For menus: "SuperGLUE RTE: entailment". */
  title: string;
  /** The dataset on the hub and its splits. */
  hub: { repo: string; config: string; train: string; valid: string };
  /** T5's input as a template over the dataset's fields. */
  template: string;
  targetField: string;
  /** The ClassLabel's names by index: the label words; absent when the target is free text. */
  labelNames?: readonly string[];
  metric: Metric;
}

/** `aps/super_glue` is where the hub's `super_glue` lives now; `nyu-mll/glue` is `glue`'s. */
const SUPER_GLUE = 'aps/super_glue';
const GLUE = 'nyu-mll/glue';

/** "rte hypothesis: {hypothesis} premise: {premise}": T5's glue() over these fields, in this order. */
function t5Template(benchmark: string, fields: readonly string[]): string {
  return [benchmark, ...fields.map((f) => `${f}: {${f}}`)].join(' ');
}

function classification(title: string, repo: string, config: string, fields: readonly string[], labelNames: readonly string[], metric: Metric = 'rank', valid = 'validation'): TaskPreset {
  return { title, hub: { repo, config, train: 'train', valid }, template: t5Template(config, fields), targetField: 'label', labelNames, metric };
}

const BOOLEAN = ['False', 'True'] as const;

export const TASK_PRESETS: Record<TaskName, TaskPreset> = {
  boolq: classification('SuperGLUE BoolQ: yes/no questions', SUPER_GLUE, 'boolq', ['passage', 'question'], BOOLEAN),
  // SuperGLUE scores CB by the mean of accuracy and macro-F1 over its three classes (T5: accuracy and mean_multiclass_f1(3)).
  cb: classification('SuperGLUE CB: three-way entailment', SUPER_GLUE, 'cb', ['hypothesis', 'premise'], ['entailment', 'contradiction', 'neutral'], 'acc-macro-f1'),
  rte: classification('SuperGLUE RTE: entailment', SUPER_GLUE, 'rte', ['hypothesis', 'premise'], ['entailment', 'not_entailment']),
  wic: classification('SuperGLUE WiC: word in context', SUPER_GLUE, 'wic', ['sentence1', 'sentence2', 'word'], BOOLEAN),
  copa: classification('SuperGLUE COPA: cause and effect', SUPER_GLUE, 'copa', ['choice1', 'choice2', 'premise', 'question'], ['choice1', 'choice2']),
  // T5's multirc is glue() with feature_names (question, answer, paragraph) and the markup removed;
  // the hub's rows are already one per answer. SuperGLUE scores it by F1a (F1 over all answers) and
  // EM per question (T5: multirc_f1_over_all_answers, mean_group_metric(all_match)); the metric is their mean.
  multirc: classification('SuperGLUE MultiRC: answer checking', SUPER_GLUE, 'multirc', ['question', 'answer', 'paragraph'], BOOLEAN, 'f1a-em'),
  // wsc_simple: the text with the pronoun marked, the target the referent's text; trained on the
  // rows whose referent is correct (correct_referent_only), so it is scored by exact match.
  wsc: { title: 'SuperGLUE WSC: pronoun referents', hub: { repo: SUPER_GLUE, config: 'wsc.fixed', train: 'train', valid: 'validation' }, template: 'wsc: {text}', targetField: 'span1_text', metric: 'exact-match' },
  // record(): one training example per answer, the answer its target (task-rows.ts sets answers to
  // it and entities to the joined list); the generated answer is scored against every gold answer by
  // SQuAD's F1 and EM (T5: squad), their mean being SuperGLUE's ReCoRD score. Generation, not rank
  // classification: the entities differ from row to row, so there is no label set to rank.
  record: { title: 'SuperGLUE ReCoRD: cloze over entities', hub: { repo: SUPER_GLUE, config: 'record', train: 'train', valid: 'validation' }, template: 'record query: {query} entities: {entities} passage: {passage}', targetField: 'answers', metric: 'squad-f1-em' },
  mrpc: classification('GLUE MRPC: paraphrase', GLUE, 'mrpc', ['sentence1', 'sentence2'], ['not_equivalent', 'equivalent'], 'f1'),
  qqp: classification('GLUE QQP: duplicate questions', GLUE, 'qqp', ['question1', 'question2'], ['not_duplicate', 'duplicate'], 'f1'),
  sst2: classification('GLUE SST-2: sentiment', GLUE, 'sst2', ['sentence'], ['negative', 'positive']),
  mnli: classification('GLUE MNLI: three-way entailment', GLUE, 'mnli', ['hypothesis', 'premise'], ['entailment', 'neutral', 'contradiction'], 'rank', 'validation_matched'),
  qnli: classification('GLUE QNLI: question answering as entailment', GLUE, 'qnli', ['question', 'sentence'], ['entailment', 'not_entailment']),
};

/** The paper's training setup (Lester et al. 2021 §3): 100 prompt tokens, class-label init, Adafactor at 0.3, batch 32. */
const PAPER = { promptLength: 100, optimizer: 'adafactor' as OptimizerKind, lr: 0.3, batchSize: 32 };

/** What a preset may fill in. */
export interface PresetSettings {
  train?: string;
  valid?: string;
  template?: string;
  targetField?: string;
  verbalizer?: string;
  labels?: string[];
  metric?: Metric;
  promptLength?: number;
  init?: string;
  optimizer?: OptimizerKind;
  lr?: number;
  batchSize?: number;
}

export function isTaskName(value: unknown): value is TaskName {
  return typeof value === 'string' && (TASK_NAMES as readonly string[]).includes(value);
}

/** What the preset trains on, how it writes rows, what it scores: "aps/super_glue rte · input "..." · labels ... · metric rank". */
export function taskPresetDetail(task: TaskName): string {
  const p = TASK_PRESETS[task];
  const target = p.labelNames ? `labels ${p.labelNames.join(', ')}` : `target {${p.targetField}}`;
  return `${p.hub.repo} ${p.hub.config} · input "${p.template}" · ${target} · metric ${p.metric}`;
}

/** One line for hints: the preset's title and detail. */
export function describeTaskPreset(task: TaskName): string {
  return `${TASK_PRESETS[task].title} · ${taskPresetDetail(task)}`;
}

/** The ClassLabel mapping as a verbalizer: "0=entailment,1=not_entailment". */
export function labelVerbalizer(labelNames: readonly string[]): string {
  return labelNames.map((name, index) => `${index}=${name}`).join(',');
}

/**
 * The settings with the task's preset under them: each preset value applies only when the user gave
 * neither it nor a setting it depends on (an input field replaces the template, a target field or
 * verbalizer of their own replaces the label words, an optimiser of their own keeps its own rate).
 * Without a known task the settings are returned as they are, for the schema to judge.
 */
export function withTaskPreset<T extends Readonly<Record<string, unknown>>>(settings: T): T & PresetSettings {
  const task = settings.task;
  if (!isTaskName(task)) return { ...settings };
  const preset = TASK_PRESETS[task];
  const given = (...names: string[]) => names.some((name) => settings[name] !== undefined);
  const filled: PresetSettings = {};
  if (!given('train')) {
    const dataset = { repo: preset.hub.repo, config: preset.hub.config, revision: DEFAULT_REVISION };
    filled.train = describeHubDataset(dataset, preset.hub.train);
    if (!given('valid')) filled.valid = describeHubDataset(dataset, preset.hub.valid);
  }
  if (!given('template', 'inputField')) filled.template = preset.template;
  if (!given('targetField')) filled.targetField = preset.targetField;
  if (preset.labelNames && !given('targetField', 'verbalizer')) {
    filled.verbalizer = labelVerbalizer(preset.labelNames);
    if (!given('labels')) filled.labels = [...preset.labelNames];
  }
  if (!given('metric')) filled.metric = preset.metric;
  if (!given('promptLength')) filled.promptLength = PAPER.promptLength;
  // Class labels need label words; a free-text task starts from sampled vocabulary (the paper's other init).
  if (!given('init')) filled.init = preset.labelNames ? 'class-labels' : 'sampled-vocab';
  if (!given('optimizer')) filled.optimizer = PAPER.optimizer;
  if (!given('lr') && (settings.optimizer ?? PAPER.optimizer) === PAPER.optimizer) filled.lr = PAPER.lr;
  if (!given('batchSize')) filled.batchSize = PAPER.batchSize;
  return { ...settings, ...filled };
}
