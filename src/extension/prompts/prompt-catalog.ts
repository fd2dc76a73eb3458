// The saved prompt folders in the workspace (found by their prompt-tuner.json or PEFT
// adapter_config.json), kept up to date by a file watcher. The Prompts view, the panel's playground
// and the prompt commands all read this one list. Listeners learn what changed (catalog-scan.ts):
// folders added or removed, or only some folders' details (a training run re-saving its best prompt).
import * as vscode from 'vscode';
import { diffPrompts, promptDirs, readPrompts, type CatalogChange } from './catalog-scan';
import { readSavedPrompt, type SavedPrompt } from './saved-prompt';

const PATTERN = '**/{prompt-tuner.json,adapter_config.json}';
const EXCLUDE = '**/{node_modules,.git}/**';
/** A folder swap sends a burst of watcher events: one scan after the burst. */
const WATCH_SETTLE_MS = 300;

export class PromptCatalog implements vscode.Disposable {
  private prompts: SavedPrompt[] = [];
  private readonly changed = new vscode.EventEmitter<CatalogChange>();
  readonly onDidChange = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private settle: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.watcher = vscode.workspace.createFileSystemWatcher(PATTERN);
    const refreshSoon = () => {
      if (this.settle) clearTimeout(this.settle);
      this.settle = setTimeout(() => void this.refresh(), WATCH_SETTLE_MS);
    };
    this.watcher.onDidCreate(refreshSoon);
    this.watcher.onDidChange(refreshSoon);
    this.watcher.onDidDelete(refreshSoon);
  }

  list(): SavedPrompt[] {
    return this.prompts;
  }

  /** A listed prompt, or the folder read now (a prompt outside the workspace, or not found yet). */
  find(dir: string): SavedPrompt | undefined {
    return this.listed(dir) ?? readSavedPrompt(dir);
  }

  /** A listed prompt only. */
  listed(dir: string): SavedPrompt | undefined {
    return this.prompts.find((p) => p.dir === dir);
  }

  /** The prompt in `dir` was re-saved: re-read it alone when it is listed, else rescan the workspace. */
  async update(dir: string): Promise<void> {
    const before = this.listed(dir);
    const fresh = before && vscode.workspace.isTrusted ? readPrompts([dir], [before])[0] : undefined;
    if (!fresh) return this.refresh();
    this.apply(this.prompts.map((p) => (p.dir === dir ? fresh : p)));
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
    // Listing files is harmless, but an untrusted workspace loads nothing of ours.
    if (!vscode.workspace.isTrusted) return this.apply([]);
    const files = await vscode.workspace.findFiles(PATTERN, EXCLUDE, 500);
    this.apply(readPrompts(promptDirs(files.map((f) => f.fsPath)), this.prompts));
  }

  private apply(prompts: SavedPrompt[]): void {
    const change = diffPrompts(this.prompts, prompts);
    this.prompts = prompts;
    if (change) this.changed.fire(change);
  }

  dispose(): void {
    if (this.settle) clearTimeout(this.settle);
    this.watcher.dispose();
    this.changed.dispose();
  }
}
