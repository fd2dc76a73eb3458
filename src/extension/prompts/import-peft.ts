// Import PEFT Prompt's choices, without the editor (unit-tested directly): where the imported prompt
// goes, and the model first offered for it.
import { basename, dirname } from 'node:path';
import { newRunFolder } from '../setup/run-request';
import { readSavedPrompt } from './saved-prompt';

/** Folder names that say nothing of the prompt: a run's or a job's prompt/, a job's output/. */
const GENERIC = new Set(['prompt', 'output']);

/** `<root>/<outputFolder>/imported/<name>-<n>`, named after the adapter's folder (a job's for <job>/output/prompt). */
export function importedPromptFolder(root: string, outputFolder: string, adapter: string): string {
  let named = adapter;
  while (GENERIC.has(basename(named)) && dirname(named) !== named) named = dirname(named);
  return newRunFolder(root, `${outputFolder}/imported`, basename(named), () => false);
}

/** The model the adapter names (PEFT's base_model_name_or_path), else `fallback`. */
export function adapterModel(adapter: string, fallback: string): string {
  return readSavedPrompt(adapter)?.model || fallback;
}
