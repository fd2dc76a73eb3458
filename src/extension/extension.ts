// Entry point of the extension host side. activate() only wires the pieces together: the run
// manager (training in forked workers), the prompt catalog, the panel, the sidebar views, the prompt
// documents with their hover, the status bar and the commands.
import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import { PanelController, PANEL_VIEW_TYPE, type PanelActions } from './panel/panel';
import { PromptCatalog } from './prompts/prompt-catalog';
import { describeMetric } from './prompts/saved-prompt';
import { PromptDocuments, PROMPT_SCHEME } from './inspect/prompt-document';
import { RunManager } from './runs/run-manager';
import { forkWorker } from './runs/worker-process';
import { WorkerService } from './runs/worker-service';
import { describeTrainEvent } from './runs/event-log';
import { readSettings } from './settings';
import { previewDataset } from './setup/data-preview';
import { formLabel, formValues, settingsFromForm } from '../core/settings/form';
import { toChoice } from './setup/model-choices';
import { modelPickerOptions, workspaceDatasets, workspaceModels } from './setup/sources';
import { DownloadNotifications } from './download-notification';
import { describeDownloadEvent } from './runs/download-progress';
import { TrainingStatus } from './status-bar';
import { registerSidebar } from './views/sidebar';
import { registerCommands, startRun, workspaceRoot } from './commands';
import { tfjsCoreVersion } from '../core/native/install-record';
import { nativeWorkerEnv, readNativeStatus } from './native/native-status';
import { setUpNativeBackend } from './native/setup-command';

const RUNS_STATE_KEY = 'promptTuner.runs';

let runManager: RunManager | undefined;

/** What activate() returns: read-only run state, for the test suites (and other extensions). */
export interface PromptTunerApi {
  runs: Pick<RunManager, 'get' | 'list' | 'history' | 'activeRunId'>;
}

export function activate(context: vscode.ExtensionContext): PromptTunerApi {
  const output = vscode.window.createOutputChannel('Prompt Tuning', { log: true });
  const log = (line: string) => output.info(line);
  const workerScript = context.asAbsolutePath('dist/worker.js');
  // Workers load TensorFlow.js from the native install of "Set Up Native Backend" when there is one.
  const nativeRoot = join(context.globalStorageUri.fsPath, 'native');
  const engineVersion = engineTfjsVersion(context);
  // Read from disk when the panel loads (another window may have set it up); the status bar, which
  // updates at every step, uses the last value read.
  let nativeReady = false;
  const nativeStatus = () => {
    const native = readNativeStatus(nativeRoot, engineVersion);
    nativeReady = native.state === 'ready';
    return native;
  };
  nativeStatus();
  const launchWorker = () => forkWorker(workerScript, nativeWorkerEnv(nativeRoot));

  const runs = new RunManager(launchWorker);
  runManager = runs;
  const service = new WorkerService(launchWorker, (line) => output.info(`[worker] ${line}`));
  const catalog = new PromptCatalog();
  const documents = new PromptDocuments(service, () => readSettings().run.backend, log);

  // Model downloads (a hub id as the model): a progress notification each, lines in the output channel.
  const downloads = new DownloadNotifications();
  const PROMPT_WORKER = 'prompt-worker';
  runs.onDidDownload.on((runId, event) => {
    const name = runs.get(runId)?.name ?? runId;
    downloads.handle(runId, event, {
      purpose: name,
      cancel: () => {
        runs.stop(runId);
        log(`Run ${name}: stop requested (download cancelled)`);
      },
      log: (line) => output.info(`[${name}] ${line}`),
    });
  });
  service.onDidDownload.on((event) => {
    const line = describeDownloadEvent(event);
    if (line) output.info(`[worker] ${line}`);
    downloads.handle(PROMPT_WORKER, event, { cancel: () => service.cancelDownload(), log: (l) => output.info(`[worker] ${l}`) });
  });
  service.onDidSettle.on(() => downloads.close(PROMPT_WORKER));

  for (const problem of runs.restore(context.workspaceState.get<unknown[]>(RUNS_STATE_KEY, []))) output.warn(`${problem}; that run is no longer listed.`);
  runs.onDidOutput.on((runId, line) => output.info(`[${runs.get(runId)?.name ?? runId}] ${line}`));
  runs.onDidEvent.on((runId, event) => {
    const text = describeTrainEvent(event);
    if (text) output.info(`[${runs.get(runId)?.name ?? runId}] ${text}`);
    // The run's prompt folder was (re)saved: its row in the Prompts view shows the new metric.
    const out = runs.get(runId)?.request.out;
    if (event.type === 'done') void catalog.update(event.promptDir);
    else if (event.type === 'eval' && event.best && out) void catalog.update(join(out, 'prompt'));
  });
  runs.onDidChange.on((run) => {
    if (run.status !== 'training') downloads.close(run.id);
    void context.workspaceState.update(RUNS_STATE_KEY, runs.list());
    void vscode.commands.executeCommand('setContext', 'promptTuner.training', runs.activeRunId !== undefined);
    if (run.status === 'crashed' || run.status === 'failed') {
      output.error(`[${run.name}] ${run.message ?? run.status}${run.lastOutput?.length ? `\nLast output:\n${run.lastOutput.join('\n')}` : ''}`);
      void vscode.window.showErrorMessage(`Prompt Tuning: ${run.name} ${run.status}. ${run.message ?? ''}`, 'Show Log', 'Resume Training').then((choice) => {
        if (choice === 'Show Log') output.show(true);
        if (choice === 'Resume Training') void vscode.commands.executeCommand('promptTuner.resumeTraining', run.id);
      });
    }
  });

  const actions: PanelActions = {
    async setupChoices() {
      const settings = readSettings();
      const [workspace, datasets] = await Promise.all([workspaceModels(), workspaceDatasets(settings.outputFolder)]);
      const models = (await modelPickerOptions(settings, workspace)).map(toChoice);
      return {
        models,
        datasets,
        defaults: {
          ...formValues(settings.run),
          // A checkpoint the workspace holds is most likely the one meant; else the setting.
          model: workspace[0]?.value ?? settings.run.model,
          train: datasets[0]?.value ?? '',
        },
      };
    },
    prompts: () =>
      catalog.list().map((p) => ({ dir: p.dir, name: p.name, model: p.model, promptLength: p.promptLength, metric: describeMetric(p.metric) || undefined })),
    start(form) {
      if (!vscode.workspace.isTrusted) throw new Error('Training needs a trusted workspace.');
      // Problems are named as the form labels its fields.
      return startRun(ctx, settingsFromForm(form), { name: (path) => path.replace(/^\w+/, (key) => formLabel(key) ?? key) });
    },
    datasetFields(train) {
      const preview = previewDataset(train);
      return { train, fields: preview.fields, inputField: preview.inputField, targetField: preview.targetField, labels: preview.labels };
    },
    async browse(field) {
      const picked = await vscode.window.showOpenDialog(
        field === 'model'
          ? { canSelectFolders: true, canSelectFiles: false, title: 'Model folder (config.json, model.safetensors, spiece.model)' }
          : { canSelectMany: false, filters: { 'Training data': ['jsonl', 'csv', 'tsv'] }, title: 'Training data' },
      );
      return picked?.[0]?.fsPath;
    },
    async tryPrompts(input, prompts, ensemble, runModel) {
      if (!vscode.workspace.isTrusted) throw new Error('Trying prompts needs a trusted workspace.');
      const saved = prompts.map((dir) => catalog.find(dir));
      const models = [...new Set(saved.map((p) => p?.model).filter((m): m is string => !!m))];
      if (models.length > 1) throw new Error(`The chosen prompts were trained for different models (${models.map((m) => basename(m)).join(', ')}); choose prompts of one model.`);
      const model = models[0] ?? runModel ?? readSettings().run.model;
      // One batched pass needs prompts of one length: try each length group, ensemble within one.
      const groups = new Map<number, string[]>();
      prompts.forEach((dir, i) => groups.set(saved[i]?.promptLength ?? 0, [...(groups.get(saved[i]?.promptLength ?? 0) ?? []), dir]));
      if (ensemble && groups.size > 1) {
        throw new Error(`An ensemble runs its prompts in one batched pass, so they need one length; these have ${[...groups.keys()].join(' and ')} tokens.`);
      }
      const backend = readSettings().run.backend;
      const parts = groups.size === 0 ? [[]] : [...groups.values()];
      const results = [];
      for (const [i, group] of parts.entries()) {
        results.push(await service.try({ model, prompts: group, ensemble: ensemble && group.length > 1, inputs: [input], includeBare: i === 0, backend }));
      }
      const [first, ...rest] = results;
      return (first ?? []).map((r, i) => ({ ...r, outputs: [...r.outputs, ...rest.flatMap((more) => more[i]?.outputs ?? [])] }));
    },
    nativeStatus,
    setUpNative: () => void vscode.commands.executeCommand('promptTuner.setUpNativeBackend'),
    log,
  };
  const panel = new PanelController(context.extensionUri, runs, actions);
  const ctx = { runs, catalog, service, panel, log };
  catalog.onDidChange(() => panel.notifyPrompts());

  const status = new TrainingStatus(runs, () => nativeReady);
  const setUpNative = () =>
    setUpNativeBackend({
      root: nativeRoot,
      engineVersion,
      launchWorker: (env) => forkWorker(workerScript, env),
      output,
      npmPath: () => readSettings().npmPath,
      onInstalled: (installed) => {
        nativeReady = installed.state === 'ready';
        // The prompt worker loaded its TensorFlow.js already: the next request starts a fresh one.
        service.restartWhenIdle();
        panel.notifyNative(installed);
        status.refresh();
      },
    });

  context.subscriptions.push(
    output,
    downloads,
    catalog,
    documents,
    panel,
    status,
    { dispose: () => service.dispose() },
    ...registerSidebar(runs, catalog),
    vscode.workspace.registerTextDocumentContentProvider(PROMPT_SCHEME, documents),
    vscode.languages.registerHoverProvider({ scheme: PROMPT_SCHEME }, documents),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel, state) => panel.restore(webviewPanel, state),
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void catalog.refresh()),
    vscode.commands.registerCommand('promptTuner.setUpNativeBackend', setUpNative),
    ...registerCommands(ctx),
  );
  void vscode.commands.executeCommand('setContext', 'promptTuner.training', false);
  if (!workspaceRoot()) log('No folder is open: runs and prompts need a workspace folder.');
  void catalog.refresh();
  // A setting VS Code holds that does not fit its schema is replaced by the default: say so once.
  const reportSettingProblems = () => {
    const { problems } = readSettings();
    problems.forEach((p) => output.warn(p));
    if (problems.length > 0) void vscode.window.showWarningMessage(`Prompt Tuning: ${problems[0]}${problems.length > 1 ? ` (${problems.length - 1} more in the output)` : ''}`);
  };
  reportSettingProblems();
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('promptTuner') && reportSettingProblems()));
  return { runs };
}

/** The tfjs-core version the worker loads: the native package is pinned to it. */
function engineTfjsVersion(context: vscode.ExtensionContext): string {
  try {
    return tfjsCoreVersion(join(context.extensionPath, 'package.json'));
  } catch {
    // node_modules damaged: the version the extension was built with (the install will say what fails).
    return (context.extension.packageJSON as { dependencies: Record<string, string> }).dependencies['@tensorflow/tfjs-core'] ?? '';
  }
}

export function deactivate(): void {
  // Ask the training worker to write its checkpoint and stop; it finishes even after we are gone.
  runManager?.dispose();
}
