// The saved prompt folders in the workspace (found by their prompt-tuner.json or PEFT
// adapter_config.json), kept up to date by a file watcher. The Prompts view, the panel's playground
// and the prompt commands all read this one list.
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { readSavedPrompt, type SavedPrompt } from './saved-prompt';

const PATTERN = '**/{prompt-tuner.json,adapter_config.json}';
const EXCLUDE = '**/{node_modules,.git}/**';

export class PromptCatalog implements vscode.Disposable {
  private prompts: SavedPrompt[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher;
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor() {
    this.watcher = vscode.workspace.createFileSystemWatcher(PATTERN);
    const refresh = () => void this.refresh();
    this.watcher.onDidCreate(refresh);
    this.watcher.onDidChange(refresh);
    this.watcher.onDidDelete(refresh);
  }

  list(): SavedPrompt[] {
    return this.prompts;
  }

  find(dir: string): SavedPrompt | undefined {
    return this.prompts.find((p) => p.dir === dir) ?? readSavedPrompt(dir);
  }

  /** Rescans the workspace; overlapping calls coalesce into one more scan. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = this.scan().finally(() => {
      this.refreshing = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  private async scan(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      // Listing files is harmless, but an untrusted workspace loads nothing of ours.
      this.prompts = [];
      this.changed.fire();
      return;
    }
    const files = await vscode.workspace.findFiles(PATTERN, EXCLUDE, 500);
    const dirs = [...new Set(files.map((f) => dirname(f.fsPath)))].sort();
    const prompts = dirs.map((d) => readSavedPrompt(d)).filter((p): p is SavedPrompt => p !== undefined);
    // Training re-saves its best prompt often; views are redrawn only when what they show changed.
    const shown = (list: SavedPrompt[]) => JSON.stringify(list.map(({ nearest: _nearest, ...rest }) => rest));
    const changed = shown(prompts) !== shown(this.prompts);
    this.prompts = prompts;
    if (changed) this.changed.fire();
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}
