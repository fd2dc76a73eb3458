// The promptTuner.* settings as VS Code holds them, read through configuration.ts (which checks
// them). Every one is listed in capabilities.untrustedWorkspaces.restrictedConfigurations, so in an
// untrusted workspace VS Code hands us only the user's own values, never the workspace's.
import * as vscode from 'vscode';
import { readTunerSettings, type TunerSettings } from './configuration';

export function readSettings(): TunerSettings {
  const configuration = vscode.workspace.getConfiguration('promptTuner');
  return readTunerSettings((key) => configuration.get(key));
}
