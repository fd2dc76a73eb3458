// The status-bar item: step, loss, ETA and backend of the training run (plus how many wait), hidden
// when nothing trains. Clicking it opens the panel on that run.
import * as vscode from 'vscode';
import type { RunManager } from './runs/run-manager';
import { trainingStatusText, trainingStatusTooltip } from './views/status-text';

export class TrainingStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('promptTuner.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly runs: RunManager,
    private readonly nativeReady: () => boolean,
  ) {
    this.item.name = 'Prompt Tuning';
    this.item.command = 'promptTuner.openPanel';
    this.subscription = runs.onDidChange.on(() => this.update());
    this.update();
  }

  /** The native backend changed: the tooltip's hint may go. */
  refresh(): void {
    this.update();
  }

  private update(): void {
    const id = this.runs.activeRunId;
    const run = id ? this.runs.get(id) : undefined;
    if (!run) {
      this.item.hide();
      return;
    }
    const waiting = this.runs.list().filter((r) => r.status === 'queued').length;
    const icon = run.status === 'stopping' ? '$(loading~spin)' : run.activity ? '$(cloud-download)' : '$(pulse)';
    this.item.text = `${icon} ${trainingStatusText(run, waiting)}`;
    this.item.tooltip = trainingStatusTooltip(run, this.nativeReady());
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
