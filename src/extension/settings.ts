// The promptTuner.* settings as VS Code holds them, read through configuration.ts (which checks
// them). Every one is listed in capabilities.untrustedWorkspaces.restrictedConfigurations, so in an
// untrusted workspace VS Code hands us only the user's own values, never the workspace's.
import * as vscode from 'vscode';
import { readTunerSettings, type TunerSettings } from './configuration';

export function readSettings(): TunerSettings {
  const configuration = vscode.workspace.getConfiguration('promptTuner');
  return readTunerSettings((key) => configuration.get(key));
}

/**
 * A setting VS Code holds that does not fit its schema is replaced by the default: says so now, and
 * again whenever a promptTuner setting changes.
 */
export function reportSettingProblems(output: vscode.LogOutputChannel): vscode.Disposable {
  const report = () => {
    const { problems } = readSettings();
    problems.forEach((p) => output.warn(p));
    if (problems.length > 0) void vscode.window.showWarningMessage(`Prompt Tuning: ${problems[0]}${problems.length > 1 ? ` (${problems.length - 1} more in the output)` : ''}`);
  };
  report();
  return vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('promptTuner') && report());
}
