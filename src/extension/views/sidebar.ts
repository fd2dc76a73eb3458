// The Prompt Tuning sidebar: the Runs and Prompts views, and the commands their rows run when clicked
// (they read the view's selection: see runs-view.ts).
import * as vscode from 'vscode';
import type { PromptCatalog } from '../prompts/prompt-catalog';
import type { RunManager } from '../runs/run-manager';
import { INSPECT_SELECTED_PROMPT, PromptsView } from './prompts-view';
import { OPEN_SELECTED_RUN, RunsView } from './runs-view';

export function registerSidebar(runs: RunManager, catalog: PromptCatalog): vscode.Disposable[] {
  const runsView = new RunsView(runs);
  const promptsView = new PromptsView(catalog);
  const runsTree = vscode.window.createTreeView('promptTuner.runs', { treeDataProvider: runsView });
  const promptsTree = vscode.window.createTreeView('promptTuner.prompts', { treeDataProvider: promptsView });
  return [
    runsView,
    promptsView,
    runsTree,
    promptsTree,
    vscode.commands.registerCommand(OPEN_SELECTED_RUN, () => vscode.commands.executeCommand('promptTuner.openPanel', runsTree.selection[0])),
    vscode.commands.registerCommand(INSPECT_SELECTED_PROMPT, () => vscode.commands.executeCommand('promptTuner.inspectPrompt', promptsTree.selection[0])),
  ];
}
