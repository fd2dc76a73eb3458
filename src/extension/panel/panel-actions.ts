// The panel's actions, made of the extension's parts: the setup form's choices (files found in the
// workspace), starting a run, the file dialogs, trying prompts in the prompt worker, the native
// backend. The decisions live in vscode-free modules (setup-choices.ts, try-prompts.ts).
import * as vscode from 'vscode';
import type { FormValues, NativeStatus, RunSummary } from '../../../webview/protocol';
import type { Naming } from '../../core/schema';
import { settingsFromForm } from '../../core/settings/form';
import type { SettingName } from '../../core/settings/run-settings';
import { tryPrompts } from '../playground/try-prompts';
import type { PromptCatalog } from '../prompts/prompt-catalog';
import type { WorkerService } from '../runs/worker-service';
import { readSettings } from '../settings';
import { datasetFields, FORM_NAMING, promptChoices, setupChoices } from '../setup/setup-choices';
import { DATA_EXTENSIONS, modelPickerOptions, workspaceDatasets, workspaceModels } from '../setup/sources';
import { askHubDataset } from '../setup/hub-dataset-input';
import type { PanelActions } from './handlers';
import type { SweepGridInput } from '../sweeps/sweep-group';

export interface PanelParts {
  catalog: PromptCatalog;
  service: WorkerService;
  /** Starts a run (commands.ts's startRun): checked, queued, logged. */
  startRun(choices: Partial<Record<SettingName, unknown>>, naming: Naming): RunSummary;
  /** Queues a sweep (commands.ts's startSweep); returns its id. */
  startSweep(choices: Partial<Record<SettingName, unknown>>, grid: SweepGridInput, naming: Naming): string;
  nativeStatus(): NativeStatus;
  log(line: string): void;
}

export function panelActions(parts: PanelParts): PanelActions {
  const { catalog, service } = parts;
  return {
    async setupChoices() {
      const settings = readSettings();
      const [workspace, datasets] = await Promise.all([workspaceModels(), workspaceDatasets(settings.outputFolder)]);
      return setupChoices(settings, { workspaceModels: workspace, models: await modelPickerOptions(settings, workspace), datasets });
    },
    prompts: () => promptChoices(catalog.list()),
    start: (form: FormValues) => parts.startRun(settingsFromForm(form), FORM_NAMING),
    startSweep: (form, grid) => parts.startSweep(settingsFromForm(form), grid, FORM_NAMING),
    datasetFields,
    async browse(field) {
      if (field === 'hubDataset') return askHubDataset('Training data: HF Hub dataset');
      const picked = await vscode.window.showOpenDialog(
        field === 'model'
          ? { canSelectFolders: true, canSelectFiles: false, title: 'Model folder (config.json, model.safetensors, spiece.model)' }
          : { canSelectMany: false, filters: { 'Training data': [...DATA_EXTENSIONS] }, title: 'Training data' },
      );
      return picked?.[0]?.fsPath;
    },
    tryPrompts(ask, runModel) {
      const { run } = readSettings();
      return tryPrompts({ ...ask, runModel, settingModel: run.model, backend: run.backend }, (dir) => catalog.find(dir), (request) => service.try(request));
    },
    nativeStatus: parts.nativeStatus,
    setUpNative: () => void vscode.commands.executeCommand('promptTuner.setUpNativeBackend'),
    log: parts.log,
  };
}
