// The Runs view: one item per run with its status, step and best metric; the context menu offers
// Stop / Resume / Open Panel / Remove according to the status (contextValue "run.<status>"). A
// sweep's runs are the children of its row ("sweep:<id>", contextValue "sweep"), which opens the
// panel's Sweep view.
import * as vscode from 'vscode';
import type { RunSummary } from '../../../webview/protocol';
import type { RunManager } from '../runs/run-manager';
import { describeRun, runTooltip } from './format';
import { RunRows, SWEEP_ELEMENT } from './run-rows';
import { sweepGroups, type SweepGroup } from '../sweeps/sweep-group';

export { SWEEP_ELEMENT };

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

export class SweepItem extends vscode.TreeItem {
  constructor(group: SweepGroup) {
    super(group.name, vscode.TreeItemCollapsibleState.Expanded);
    this.id = SWEEP_ELEMENT + group.id;
    const finished = group.members.filter((m) => m.status !== 'queued' && m.status !== 'training' && m.status !== 'stopping').length;
    const training = group.members.some((m) => m.status === 'training' || m.status === 'stopping');
    this.description = `sweep · ${finished}/${group.members.length} runs done`;
    this.iconPath = new vscode.ThemeIcon(training ? 'sync~spin' : 'table', training ? new vscode.ThemeColor('charts.blue') : undefined);
    this.contextValue = 'sweep';
    this.command = { command: OPEN_SELECTED_RUN, title: 'Open Sweep' };
    this.tooltip = `${group.dir}: ${group.members.length} runs, one per cell of the grid`;
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
    if (runId.startsWith(SWEEP_ELEMENT)) {
      const group = sweepGroups(this.runs.list()).find((g) => SWEEP_ELEMENT + g.id === runId);
      return group ? new SweepItem(group) : new vscode.TreeItem(runId);
    }
    const run = this.runs.get(runId);
    // A row asked for after its run was removed: the whole-list redraw that follows drops it.
    return run ? new RunItem(run, this.runs.queuePosition(runId)) : new vscode.TreeItem(runId);
  }

  getChildren(element?: string): string[] {
    const runs = this.runs.list();
    // A sweep's runs in the grid's order.
    if (element?.startsWith(SWEEP_ELEMENT)) return runs.filter((r) => SWEEP_ELEMENT + r.sweep?.id === element).map((r) => r.id);
    // Newest first, a sweep's row where its last run is.
    const top = runs.map((r) => (r.sweep ? SWEEP_ELEMENT + r.sweep.id : r.id)).reverse();
    return [...new Set(top)];
  }

  dispose(): void {
    this.rows.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
