// The Runs view: one item per run with its status, step and best metric; the context menu offers
// Stop / Resume / Open Panel / Remove according to the status (contextValue "run.<status>").
import * as vscode from 'vscode';
import type { RunSummary } from '../../../webview/protocol';
import type { RunManager } from '../runs/run-manager';
import { describeRun, formatDuration } from './format';

const ICONS: Record<RunSummary['status'], [string, string?]> = {
  queued: ['clock'],
  training: ['sync~spin', 'charts.blue'],
  stopping: ['loading~spin', 'charts.yellow'],
  stopped: ['debug-pause', 'charts.yellow'],
  completed: ['pass', 'charts.green'],
  failed: ['error', 'errorForeground'],
  crashed: ['warning', 'errorForeground'],
};

/** Internal (not in the palette): opens the panel on the run selected in the Runs view. */
export const OPEN_SELECTED_RUN = 'promptTuner.openSelectedRun';

export class RunItem extends vscode.TreeItem {
  constructor(readonly run: RunSummary, queuePosition: number | undefined) {
    super(run.name, vscode.TreeItemCollapsibleState.None);
    this.id = run.id;
    this.description = describeRun(run, queuePosition);
    const [icon, color] = ICONS[run.status];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = `run.${run.status}`;
    // No arguments: VS Code would route them through a per-render delegate command that a refresh
    // disposes, so a click landing mid-refresh fails. The handler reads the view's selection instead.
    this.command = { command: OPEN_SELECTED_RUN, title: 'Open Panel' };
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${run.name}** — ${run.status}\n\n`);
    tip.appendMarkdown(`Model \`${run.request.model}\`  \nData \`${run.request.train}\`  \nFolder \`${run.request.out}\`\n\n`);
    if (run.etaSeconds !== undefined && run.status === 'training') tip.appendMarkdown(`ETA ${formatDuration(run.etaSeconds)}\n\n`);
    if (run.message) tip.appendText(run.message);
    this.tooltip = tip;
  }
}

/** Progress arrives many times a second; the tree is redrawn at most this often. */
const REFRESH_MS = 1000;

export class RunsView implements vscode.TreeDataProvider<RunItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: { dispose(): void }[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastStatus = new Map<string, string>();

  constructor(private readonly runs: RunManager) {
    this.subscriptions = [runs.onDidChange.on((run) => this.schedule(run.id, run.status)), runs.onDidRemove.on(() => this.refreshNow())];
  }

  /** Status changes show at once; progress within a status is batched. */
  private schedule(id: string, status: string): void {
    if (this.lastStatus.get(id) !== status) {
      this.lastStatus.set(id, status);
      return this.refreshNow();
    }
    this.timer ??= setTimeout(() => this.refreshNow(), REFRESH_MS);
  }

  private refreshNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changed.fire();
  }

  getTreeItem(item: RunItem): vscode.TreeItem {
    return item;
  }

  getChildren(): RunItem[] {
    // Newest first.
    return this.runs
      .list()
      .slice()
      .reverse()
      .map((r) => new RunItem(r, this.runs.queuePosition(r.id)));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
