// What the panel's setup form starts from, and how its answers are named: the models and data files
// it offers, each field's starting text (a checkpoint or data file the workspace holds is most
// likely the one meant, else the settings), a data file's fields, and the saved prompts the
// playground lists. No vscode import: sources.ts finds the files, this decides.
import type { Choice, DatasetFields, PromptChoice, SetupChoices } from '../../../webview/protocol';
import type { Naming } from '../../core/schema';
import { formLabel, formValues } from '../../core/settings/form';
import type { TunerSettings } from '../configuration';
import { describeMetric, type SavedPrompt } from '../prompts/saved-prompt';
import { previewDataset } from './data-preview';
import { toChoice, type ModelOption } from './model-choices';

export function setupChoices(settings: TunerSettings, found: { workspaceModels: readonly Choice[]; models: readonly ModelOption[]; datasets: readonly Choice[] }): SetupChoices {
  return {
    models: found.models.map(toChoice),
    datasets: [...found.datasets],
    defaults: {
      ...formValues(settings.run),
      model: found.workspaceModels[0]?.value ?? settings.run.model,
      train: found.datasets[0]?.value ?? '',
    },
  };
}

/** A data file's fields, guessed input and target, and labels, for the form's field pickers. */
export function datasetFields(train: string): DatasetFields {
  const preview = previewDataset(train);
  return { train, fields: preview.fields, inputField: preview.inputField, targetField: preview.targetField, labels: preview.labels };
}

export function promptChoices(prompts: readonly SavedPrompt[]): PromptChoice[] {
  return prompts.map((p) => ({ dir: p.dir, name: p.name, model: p.model, promptLength: p.promptLength, metric: describeMetric(p.metric) || undefined }));
}

/** A problem with the form's answers names the field by its label ("Prompt length must be..."). */
export const FORM_NAMING: Naming = { name: (path) => path.replace(/^\w+/, (key) => formLabel(key) ?? key) };
