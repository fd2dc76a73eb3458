// Where the setup flow and form find their choices: the model picker's options (the T5 catalog,
// models in the workspace and in the Hugging Face cache) and training files in the workspace.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Choice } from '../../../webview/protocol';
import type { TunerSettings } from '../configuration';
import { cachedHubOptions, catalogOptions, modelOptions, type ModelOption } from './model-choices';

const EXCLUDE = '**/{node_modules,.git}/**';
const WEIGHT_FILES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'];

function relative(path: string): string {
  return vscode.workspace.asRelativePath(path, false);
}

/** Folders in the workspace holding a T5 checkpoint (config.json beside weights). */
export async function workspaceModels(): Promise<Choice[]> {
  const configs = await vscode.workspace.findFiles('**/config.json', EXCLUDE, 200);
  return configs
    .map((c) => dirname(c.fsPath))
    .filter((dir) => WEIGHT_FILES.some((f) => existsSync(join(dir, f))))
    .sort()
    .map((dir) => ({ label: relative(dir), value: dir, detail: 'folder in the workspace' }));
}

/** Every model the picker offers, in its order; the memory estimates are for the configured batch size. */
export async function modelPickerOptions(settings: TunerSettings, workspace?: Choice[]): Promise<ModelOption[]> {
  return modelOptions({
    catalog: catalogOptions({ batchSize: settings.run.batchSize }),
    workspace: workspace ?? (await workspaceModels()),
    cached: cachedHubOptions(),
    settingModel: settings.run.model,
  });
}

/** The data files the engine reads (core/training/data: formats.ts, parquet.ts). */
export const DATA_EXTENSIONS = ['jsonl', 'csv', 'tsv', 'parquet'] as const;

/** Training files in the workspace, outside the output folder. */
export async function workspaceDatasets(outputFolder: string): Promise<Choice[]> {
  const exclude = `{**/node_modules/**,**/.git/**,${outputFolder.replace(/^\.\//, '').replace(/\/+$/, '') || '.prompts'}/**}`;
  const files = await vscode.workspace.findFiles(`**/*.{${DATA_EXTENSIONS.join(',')}}`, exclude, 500);
  return files
    .map((f) => f.fsPath)
    .sort()
    .map((path) => ({ label: relative(path), value: path }));
}
