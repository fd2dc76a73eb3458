// "Tune Prompt" as a guided sequence of quick picks: model, training file or hub dataset (or a
// GLUE/SuperGLUE task preset and its data), input and target fields (or a template), labels, prompt
// length and initialisation, with the paper's defaults first. "Start Sweep" takes the same steps,
// titled for it, up to the labels: its grid asks the prompt lengths and inits (guided-steps.ts).
// Returns the user's choices, 'form' when they prefer the panel's setup form, or undefined on Escape.
import * as vscode from 'vscode';
import { basename, extname } from 'node:path';
import type { Choice } from '../../../webview/protocol';
import { isHubDataset } from '../../core/dataset-spec';
import { formText } from '../../core/settings/form';
import { taskPresetDetail, TASK_NAMES, TASK_PRESETS, withTaskPreset, type PresetSettings, type TaskName } from '../../core/settings/task-presets';
import type { TunerSettings } from '../configuration';
import { previewDataset } from './data-preview';
import { askHubDataset } from './hub-dataset-input';
import type { TuneChoices } from './run-request';
import { groupOptions, hubIdProblem, optionIcon, type ModelOption } from './model-choices';
import { DATA_EXTENSIONS, modelPickerOptions, workspaceDatasets } from './sources';
import { stepTitle, TUNE_PROMPT_STEPS, type GuidedSteps } from './guided-steps';

interface Item<T> extends vscode.QuickPickItem {
  value: T;
}

async function pick<T>(steps: GuidedSteps, step: number, what: string, items: Item<T>[], placeHolder: string): Promise<T | undefined> {
  const chosen = await vscode.window.showQuickPick(items, { title: stepTitle(steps, step, what), placeHolder, ignoreFocusOut: true, matchOnDescription: true, matchOnDetail: true });
  return chosen?.value;
}

function separator<T>(label: string): Item<T> {
  return { label, kind: vscode.QuickPickItemKind.Separator, value: undefined as T };
}

function choiceItems(choices: Choice[], icon: string): Item<string>[] {
  return choices.map((c) => ({ label: `$(${icon}) ${c.label}`, description: c.detail, value: c.value }));
}

/** Quick-pick items under one separator per group. */
function modelItems(options: ModelOption[]): Item<string>[] {
  return groupOptions(options).flatMap(({ title, options: members }) => [
    separator<string>(title),
    ...members.map((o) => ({ label: `$(${optionIcon(o)}) ${o.label}`, description: o.description, detail: o.detail, value: o.value })),
  ]);
}

async function chooseModel(steps: GuidedSteps, settings: TunerSettings): Promise<string | 'form' | undefined> {
  const items: Item<string>[] = [
    ...modelItems(await modelPickerOptions(settings)),
    separator<string>('other'),
    { label: '$(cloud) Enter a hub id…', description: 'org/name or org/name@revision, e.g. google/t5-base-lm-adapt', value: ':hub' },
    { label: '$(folder-opened) Choose a folder…', description: 'config.json, model.safetensors or pytorch_model.bin, spiece.model', value: ':folder' },
    { label: '$(preview) Use the setup form in the panel instead', value: ':form' },
  ];
  const value = await pick(steps, 1, 'model', items, 'The frozen T5 the prompt is trained for');
  if (value === ':form') return 'form';
  if (value === ':folder') {
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Folder with config.json, model.safetensors and spiece.model' });
    return folder?.[0]?.fsPath;
  }
  if (value === ':hub') {
    const id = await vscode.window.showInputBox({
      title: stepTitle(steps, 1, 'hub id'),
      prompt: 'A T5 model on the Hugging Face hub: org/name or org/name@revision. It is downloaded into the Hugging Face cache when training starts.',
      value: settings.run.model,
      ignoreFocusOut: true,
      validateInput: hubIdProblem,
    });
    return id?.trim();
  }
  return value;
}

/** Every task preset, for the data step. */
function taskItems(): Item<string>[] {
  return TASK_NAMES.map((task) => ({
    label: `$(library) ${task}`,
    description: TASK_PRESETS[task].title,
    detail: taskPresetDetail(task),
    value: `:task:${task}`,
  }));
}

/** A data file or hub dataset; `before` and `after` are more items around those. */
async function chooseData(steps: GuidedSteps, settings: TunerSettings, what: string, placeHolder: string, { before = [], after = [] }: { before?: Item<string>[]; after?: Item<string>[] }): Promise<string | undefined> {
  const files = await workspaceDatasets(settings.outputFolder);
  const items: Item<string>[] = [
    ...before,
    ...choiceItems(files, 'file'),
    { label: '$(folder-opened) Choose a file…', value: ':file' },
    { label: '$(cloud) HF Hub dataset…', description: 'hf:org/name[:config][@revision][#split], e.g. nyu-mll/glue:rte', value: ':hub' },
    ...after,
  ];
  const value = await pick(steps, 2, what, items, placeHolder);
  if (value === ':hub') return askHubDataset(stepTitle(steps, 2, 'hub dataset'));
  if (value !== ':file') return value;
  const file = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Training data': [...DATA_EXTENSIONS] }, title: 'Training data' });
  return file?.[0]?.fsPath;
}

/** A hub dataset's (or Parquet file's) fields are known once the worker reads it: here the user may name them, or leave them to detection. */
async function chooseTypedFields(steps: GuidedSteps, choices: TuneChoices): Promise<boolean> {
  const ask = (what: string, prompt: string, placeHolder: string) => vscode.window.showInputBox({ title: stepTitle(steps, 3, what), prompt, placeHolder, ignoreFocusOut: true });
  const input = await ask('input', 'The input: a field, or a template of fields such as "premise: {sentence1} hypothesis: {sentence2}". Empty: the first of input, text, sentence.', 'premise: {sentence1} hypothesis: {sentence2}');
  if (input === undefined) return false;
  if (input.includes('{')) choices.template = input;
  else if (input.trim()) choices.inputField = input.trim();
  const target = await ask('target', 'The target field. Empty: the first of target, label, output.', 'label');
  if (target === undefined) return false;
  if (target.trim()) choices.targetField = target.trim();
  const verbalizer = await ask('verbalizer', 'Words for the target’s raw values (class ids), e.g. 0=entailment,1=not_entailment. Empty: the values as they are.', '0=entailment,1=not_entailment');
  if (verbalizer === undefined) return false;
  if (verbalizer.trim()) choices.verbalizer = verbalizer.trim();
  return true;
}

/** A data file or hub dataset; or a task preset, with its dataset from the hub (no train: the preset's) or a file of its fields. */
async function chooseDataset(steps: GuidedSteps, settings: TunerSettings): Promise<{ train?: string; task?: TaskName } | undefined> {
  const presets = [separator<string>('task presets: T5’s format, the paper’s metric and settings'), ...taskItems()];
  const value = await chooseData(steps, settings, 'training data', 'JSON Lines, CSV, TSV or Parquet, or a hub dataset (10% is held out for validation); or a GLUE/SuperGLUE task', { after: presets });
  if (!value?.startsWith(':task:')) return value ? { train: value } : undefined;
  const task = value.slice(':task:'.length) as TaskName;
  const { repo, config } = TASK_PRESETS[task].hub;
  const fromHub: Item<string> = { label: `$(cloud) ${repo} ${config}`, description: 'the task’s train and validation splits from the hub', value: ':preset' };
  const train = await chooseData(steps, settings, `${task} data`, `The task’s dataset from the hub, or your copy of it (the hub dataset’s fields)`, { before: [fromHub] });
  if (train === undefined) return undefined;
  return train === ':preset' ? { task } : { train, task };
}

async function chooseFields(steps: GuidedSteps, train: string, choices: TuneChoices): Promise<string[] | undefined | false> {
  let preview;
  try {
    preview = previewDataset(train);
  } catch (err) {
    void vscode.window.showErrorMessage(`Cannot read ${train}: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
  const mark = (field: string, guess?: string) => (field === guess ? 'detected' : undefined);
  const input = await pick(
    steps,
    3,
    'input',
    [
      ...preview.fields.map((f) => ({ label: `$(symbol-field) ${f}`, description: mark(f, preview.inputField), value: f })).sort((a, b) => (b.description ? 1 : 0) - (a.description ? 1 : 0)),
      { label: '$(symbol-text) Write a template…', description: 'e.g. premise: {premise} hypothesis: {hypothesis}', value: ':template' },
    ],
    `The model's input: a field of ${basename(train)} or a template of fields`,
  );
  if (input === undefined) return false;
  if (input === ':template') {
    const template = await vscode.window.showInputBox({ title: stepTitle(steps, 3, 'input template'), prompt: '{field} is replaced by the field’s value; {{ and }} are literal braces', value: preview.fields.map((f) => `${f}: {${f}}`).join(' '), ignoreFocusOut: true });
    if (template === undefined) return false;
    choices.template = template;
  } else choices.inputField = input;
  const target = await pick(
    steps,
    3,
    'target',
    preview.fields
      .map((f) => ({ label: `$(symbol-field) ${f}`, description: mark(f, preview.targetField), value: f }))
      .sort((a, b) => (b.description ? 1 : 0) - (a.description ? 1 : 0)),
    'The text the model should output',
  );
  if (target === undefined) return false;
  choices.targetField = target;
  const values = target === preview.targetField ? preview.labels : previewDataset(train).labels;
  if (!values) return undefined;
  const picked = await vscode.window.showQuickPick(
    values.map((v) => ({ label: v, picked: true })),
    { title: stepTitle(steps, 4, 'labels'), placeHolder: 'The task’s classes: evaluation ranks them (clear all for free-text targets)', canPickMany: true, ignoreFocusOut: true },
  );
  if (picked === undefined) return false;
  return picked.map((p) => p.label);
}

/** `preset`: the task preset's length, offered first. */
async function choosePromptLength(settings: TunerSettings, preset?: number): Promise<number | undefined> {
  const { promptLength } = settings.run;
  const lengths = [...new Set([...(preset === undefined ? [] : [preset]), promptLength, 1, 5, 20, 100, 150])];
  const items = lengths.map((n) => ({
    label: String(n),
    description: [n === preset ? 'the task preset’s (the paper’s)' : '', n === 20 ? 'the paper’s default' : '', n === promptLength ? 'your setting' : ''].filter(Boolean).join(', ') || undefined,
    value: n,
  }));
  return pick(TUNE_PROMPT_STEPS, 5, 'prompt length', items, 'Number of soft prompt tokens (the paper: 20 is enough for large models; more helps small ones)');
}

/** `preset`: the task preset's initialisation, offered first. */
async function chooseInit(settings: TunerSettings, preset?: string): Promise<string | undefined> {
  const items: Item<string>[] = [
    { label: 'class-labels', description: 'the paper’s best: start from the label words’ embeddings', value: 'class-labels' },
    { label: 'sampled-vocab', description: 'embeddings of common vocabulary pieces', value: 'sampled-vocab' },
    { label: 'random-uniform', description: 'uniform in [-0.5, 0.5]', value: 'random-uniform' },
    { label: 'text…', description: 'the embeddings of a phrase you write', value: ':text' },
  ];
  const first = items.findIndex((i) => i.value === (preset ?? formText(settings.run.init)));
  if (first > 0) items.unshift(...items.splice(first, 1));
  const value = await pick(TUNE_PROMPT_STEPS, 6, 'initialisation', items, 'How the prompt tokens start');
  if (value !== ':text') return value;
  const text = await vscode.window.showInputBox({ title: stepTitle(TUNE_PROMPT_STEPS, 6, 'init text'), prompt: 'A phrase describing the task', placeHolder: 'Does the sentence mention a keyword?', ignoreFocusOut: true });
  return text ? `text:${text}` : undefined;
}

/** The run's choices; with `steps` that do not ask the prompt (Start Sweep's), without prompt length and init. */
export async function runGuidedFlow(settings: TunerSettings, steps: GuidedSteps = TUNE_PROMPT_STEPS): Promise<TuneChoices | 'form' | undefined> {
  const model = await chooseModel(steps, settings);
  if (model === undefined || model === 'form') return model;
  const data = await chooseDataset(steps, settings);
  if (!data) return undefined;
  const choices: TuneChoices = { model, ...data };
  // A task preset writes the input and the labels itself.
  if (data.task === undefined && data.train !== undefined) {
    const { train } = data;
    if (isHubDataset(train) || extname(train).toLowerCase() === '.parquet') {
      if (!(await chooseTypedFields(steps, choices))) return undefined;
    } else {
      const labels = await chooseFields(steps, train, choices);
      if (labels === false) return undefined;
      if (labels && labels.length > 0) choices.labels = labels;
    }
  }
  if (!steps.asksPrompt) return choices;
  const preset: PresetSettings = data.task ? withTaskPreset({ task: data.task }) : {};
  const promptLength = await choosePromptLength(settings, preset.promptLength);
  if (promptLength === undefined) return undefined;
  choices.promptLength = promptLength;
  const init = await chooseInit(settings, preset.init);
  if (!init) return undefined;
  choices.init = init;
  return choices;
}
