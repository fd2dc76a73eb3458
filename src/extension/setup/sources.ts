// Where the setup flow and form find their choices: models in the workspace and in the Hugging Face
// cache, and training files in the workspace.
import * as vscode from 'vscode';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Choice } from '../../../webview/protocol';

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

/** Models downloaded earlier into the Hugging Face cache (models--org--name folders). */
export function cachedModels(): Choice[] {
  const hub = process.env.HF_HUB_CACHE ?? join(process.env.HF_HOME ?? join(homedir(), '.cache', 'huggingface'), 'hub');
  let names: string[];
  try {
    names = readdirSync(hub).filter((n) => n.startsWith('models--'));
  } catch {
    return [];
  }
  return names.map((n) => {
    const id = n.slice('models--'.length).split('--').join('/');
    return { label: id, value: id, detail: 'in the Hugging Face cache' };
  });
}

/** Training files in the workspace, outside the output folder. */
export async function workspaceDatasets(outputFolder: string): Promise<Choice[]> {
  const exclude = `{**/node_modules/**,**/.git/**,${outputFolder.replace(/^\.\//, '').replace(/\/+$/, '') || '.prompts'}/**}`;
  const files = await vscode.workspace.findFiles('**/*.{jsonl,csv,tsv}', exclude, 500);
  return files
    .map((f) => f.fsPath)
    .sort()
    .map((path) => ({ label: relative(path), value: path }));
}
