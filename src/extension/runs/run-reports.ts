// What the runs tell the user outside the panel: lines in the output channel, a progress
// notification per model download, an error message with Resume when a run fails or crashes, the
// runs saved in the workspace state, the `promptTuner.training` context key, and the Prompts list
// updated when a run saves a better prompt.
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { DownloadNotifications } from '../download-notification';
import type { PromptCatalog } from '../prompts/prompt-catalog';
import { describeRunFailure, describeTrainEvent } from './event-log';
import type { RunManager } from './run-manager';

export function reportRuns(runs: RunManager, deps: { output: vscode.LogOutputChannel; downloads: DownloadNotifications; catalog: PromptCatalog; save: (runs: unknown[]) => void }): vscode.Disposable {
  const { output, downloads, catalog } = deps;
  const nameOf = (runId: string) => runs.get(runId)?.name ?? runId;
  const subscriptions = [
    runs.onDidDownload.on((runId, event) => {
      downloads.handle(runId, event, {
        purpose: nameOf(runId),
        cancel: () => {
          runs.stop(runId);
          output.info(`Run ${nameOf(runId)}: stop requested (download cancelled)`);
        },
        log: (line) => output.info(`[${nameOf(runId)}] ${line}`),
      });
    }),
    runs.onDidOutput.on((runId, line) => output.info(`[${nameOf(runId)}] ${line}`)),
    runs.onDidEvent.on((runId, event) => {
      const text = describeTrainEvent(event);
      if (text) output.info(`[${nameOf(runId)}] ${text}`);
      // The run's prompt folder was (re)saved: its row in the Prompts view shows the new metric.
      const out = runs.get(runId)?.request.out;
      if (event.type === 'done') void catalog.update(event.promptDir);
      else if (event.type === 'eval' && event.best && out) void catalog.update(join(out, 'prompt'));
    }),
    runs.onDidChange.on((run) => {
      if (run.status !== 'training') downloads.close(run.id);
      deps.save(runs.list());
      void vscode.commands.executeCommand('setContext', 'promptTuner.training', runs.activeRunId !== undefined);
      if (run.status !== 'crashed' && run.status !== 'failed') return;
      output.error(describeRunFailure(run));
      void vscode.window.showErrorMessage(`Prompt Tuning: ${run.name} ${run.status}. ${run.message ?? ''}`, 'Show Log', 'Resume Training').then((choice) => {
        if (choice === 'Show Log') output.show(true);
        if (choice === 'Resume Training') void vscode.commands.executeCommand('promptTuner.resumeTraining', run.id);
      });
    }),
  ];
  return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
}
