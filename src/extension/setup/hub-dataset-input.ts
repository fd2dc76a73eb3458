// The input box that asks for a Hugging Face hub dataset, shared by the guided flow and the panel's
// setup form: the id is checked as it is typed, and gets the hf: prefix the data settings need.
import * as vscode from 'vscode';
import { HUB_DATASET_FORM, HUB_DATASET_PREFIX, hubDatasetProblem, isHubDataset } from '../../core/dataset-spec';

/** What the user typed, with the hf: prefix. */
function asHubDataset(value: string): string {
  const id = value.trim();
  return isHubDataset(id) ? id : `${HUB_DATASET_PREFIX}${id}`;
}

/** `hf:org/name[:config][@revision][#split]`, or undefined when the user cancels. */
export async function askHubDataset(title: string, value?: string): Promise<string | undefined> {
  const id = await vscode.window.showInputBox({
    title,
    prompt: `A dataset on the Hugging Face hub: ${HUB_DATASET_FORM.replace(HUB_DATASET_PREFIX, '')} (split: train by default). Its split is downloaded into the Hugging Face cache when training starts.`,
    placeHolder: 'nyu-mll/glue:rte',
    value: value !== undefined && isHubDataset(value) ? value.trim().slice(HUB_DATASET_PREFIX.length) : undefined,
    ignoreFocusOut: true,
    validateInput: (typed) => (typed.trim() ? hubDatasetProblem(asHubDataset(typed)) : 'Type a dataset id such as nyu-mll/glue:rte.'),
  });
  return id?.trim() ? asHubDataset(id) : undefined;
}
