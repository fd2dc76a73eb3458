// The Runs view: one item per run with its status, step and best metric; the context menu offers
// Stop / Resume / Open Panel / Remove according to the status (contextValue "run.<status>").
import * as vscode from 'vscode';
import type { RunSummary } from '../../../webview/protocol';
import type { RunManager } from '../runs/run-manager';
import { describeRun, runTooltip } from './format';
import { RunRows } from './run-rows';

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
    this.tooltip = new vscode.MarkdownString(runTooltip(run));
  }
}

/**
 * The Runs view. Its elements are run ids, so a changed run redraws only its own row (run-rows.ts):
 * a context menu opened on any row while a run trains keeps its row (change-batcher.ts says why).
 */
export class RunsView implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly rows: RunRows;
  private readonly subscriptions: { dispose(): void }[];

  constructor(private readonly runs: RunManager) {
    this.rows = new RunRows(runs, (what) => this.changed.fire(what ? [...what] : undefined));
    this.subscriptions = [runs.onDidChange.on((run) => this.rows.changed(run)), runs.onDidRemove.on((id) => this.rows.removed(id))];
  }

  getTreeItem(runId: string): vscode.TreeItem {
    const run = this.runs.get(runId);
    // A row asked for after its run was removed: the whole-list redraw that follows drops it.
    return run ? new RunItem(run, this.runs.queuePosition(runId)) : new vscode.TreeItem(runId);
  }

  getChildren(): string[] {
    // Newest first.
    return this.runs
      .list()
      .map((r) => r.id)
      .reverse();
  }

  dispose(): void {
    this.rows.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
