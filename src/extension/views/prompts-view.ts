// The Prompts view: saved prompt folders in the workspace with their model, length and metric.
// Clicking one opens it as a document of its tokens (hover a token for its nearest pieces).
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { PromptCatalog } from '../prompts/prompt-catalog';
import { describeMetric, type SavedPrompt } from '../prompts/saved-prompt';
import { promptTooltip } from './format';

/** Internal (not in the palette): inspects the prompt selected in the Prompts view. */
export const INSPECT_SELECTED_PROMPT = 'promptTuner.inspectSelectedPrompt';

export class PromptItem extends vscode.TreeItem {
  constructor(readonly prompt: SavedPrompt) {
    super(prompt.name, vscode.TreeItemCollapsibleState.None);
    this.id = prompt.dir;
    const metric = describeMetric(prompt.metric);
    this.description = [basename(prompt.model) || 'unknown model', `${prompt.promptLength} tokens`, metric].filter(Boolean).join(' · ');
    this.resourceUri = vscode.Uri.file(prompt.dir);
    this.iconPath = new vscode.ThemeIcon(prompt.source === 'peft' ? 'package' : 'symbol-key');
    this.contextValue = `prompt.${prompt.source}`;
    this.tooltip = new vscode.MarkdownString(promptTooltip(prompt));
    this.command = { command: INSPECT_SELECTED_PROMPT, title: 'Inspect Prompt' }; // no arguments: see runs-view.ts
  }
}

/**
 * The Prompts view. Its elements are prompt folders: a re-saved prompt (a better one while a run
 * trains) redraws its own row; the whole list only when folders come or go, so a context menu opened
 * on a prompt during training keeps its row (change-batcher.ts says why).
 */
export class PromptsView implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly catalog: PromptCatalog) {
    this.subscription = catalog.onDidChange((change) => this.changed.fire(change.folders ? undefined : change.changed));
  }

  getTreeItem(dir: string): vscode.TreeItem {
    const prompt = this.catalog.listed(dir);
    // A row asked for after its folder left the list: the whole-list redraw that follows drops it.
    return prompt ? new PromptItem(prompt) : new vscode.TreeItem(dir);
  }

  getChildren(): string[] {
    return this.catalog.list().map((p) => p.dir);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
