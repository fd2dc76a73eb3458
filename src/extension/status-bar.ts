// The status-bar item: step, loss and ETA of the training run (plus how many wait), hidden when
// nothing trains. Clicking it opens the panel on that run.
import * as vscode from 'vscode';
import type { RunManager } from './runs/run-manager';
import { formatDuration } from './views/format';

export class TrainingStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('promptTuner.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: { dispose(): void };

  constructor(private readonly runs: RunManager) {
    this.item.name = 'Prompt Tuning';
    this.item.command = 'promptTuner.openPanel';
    this.subscription = runs.onDidChange.on(() => this.update());
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
    const parts = [run.activity ?? `step ${run.step}/${run.totalSteps}`];
    if (run.loss !== undefined) parts.push(`loss ${run.loss.toFixed(3)}`);
    if (run.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(run.etaSeconds)}`);
    if (waiting > 0) parts.push(`+${waiting} queued`);
    const icon = run.status === 'stopping' ? '$(loading~spin)' : run.activity ? '$(cloud-download)' : '$(pulse)';
    this.item.text = `${icon} ${parts.join(' · ')}`;
    this.item.tooltip = `Prompt Tuning: ${run.name} (${run.status}). Click to open the panel.`;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
