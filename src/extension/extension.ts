// Entry point of the extension host side. activate() only wires the pieces together: the run
// manager (training in forked workers) and the prompt worker, both behind the workspace-trust check;
// the prompt catalog; the panel; the sidebar views; the prompt documents with their hover; the
// status bar; and the commands. What each piece decides lives in its own module.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { PanelController, PANEL_VIEW_TYPE } from './panel/panel';
import { panelActions } from './panel/panel-actions';
import { PromptCatalog } from './prompts/prompt-catalog';
import { PromptDocuments, PROMPT_SCHEME } from './inspect/prompt-document';
import { RunManager } from './runs/run-manager';
import { forkWorker } from './runs/worker-process';
import { WorkerService } from './runs/worker-service';
import { reportRuns } from './runs/run-reports';
import { recordSweeps } from './sweeps/sweep-recorder';
import { describeDownloadEvent } from './runs/download-progress';
import { readSettings, reportSettingProblems } from './settings';
import { DownloadNotifications } from './download-notification';
import { TrainingStatus } from './status-bar';
import { registerSidebar } from './views/sidebar';
import { registerCommands, startRun, startSweep, workspaceRoot, type CommandContext } from './commands';
import { tfjsCoreVersion } from '../core/native/install-record';
import { nativeWorkerEnv, readNativeStatus } from './native/native-status';
import { setUpNativeBackend } from './native/setup-command';
import { trustCheck } from './trust';

const RUNS_STATE_KEY = 'promptTuner.runs';
/** The download notification of the prompt worker (try, inspect), beside those of the runs. */
const PROMPT_WORKER = 'prompt-worker';

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
  const checkTrust = trustCheck(() => vscode.workspace.isTrusted);

  const runs = new RunManager(launchWorker, { checkTrust });
  runManager = runs;
  const service = new WorkerService(launchWorker, (line) => output.info(`[worker] ${line}`), checkTrust);
  const catalog = new PromptCatalog();
  const documents = new PromptDocuments(service, () => readSettings().run.backend, log);
  const downloads = new DownloadNotifications();
  service.onDidDownload.on((event) => {
    const line = describeDownloadEvent(event);
    if (line) output.info(`[worker] ${line}`);
    downloads.handle(PROMPT_WORKER, event, { cancel: () => service.cancelDownload(), log: (l) => output.info(`[worker] ${l}`) });
  });
  service.onDidSettle.on(() => downloads.close(PROMPT_WORKER));
  for (const problem of runs.restore(context.workspaceState.get<unknown[]>(RUNS_STATE_KEY, []))) output.warn(`${problem}; that run is no longer listed.`);

  const panel: PanelController = new PanelController(
    context.extensionUri,
    runs,
    panelActions({
      catalog, service, nativeStatus, log,
      startRun: (choices, naming) => startRun(ctx, choices, naming),
      startSweep: (choices, grid, naming) => startSweep(ctx, choices, grid, naming).id,
    }),
  );
  const ctx: CommandContext = { runs, catalog, service, panel, log };
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
    reportRuns(runs, { output, downloads, catalog, save: (list) => void context.workspaceState.update(RUNS_STATE_KEY, list) }),
    recordSweeps(runs, (line) => output.warn(line)),
    ...registerSidebar(runs, catalog),
    vscode.workspace.registerTextDocumentContentProvider(PROMPT_SCHEME, documents),
    vscode.languages.registerHoverProvider({ scheme: PROMPT_SCHEME }, documents),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel, state) => panel.restore(webviewPanel, state),
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void catalog.refresh()),
    vscode.commands.registerCommand('promptTuner.setUpNativeBackend', setUpNative),
    ...registerCommands(ctx),
    reportSettingProblems(output),
  );
  void vscode.commands.executeCommand('setContext', 'promptTuner.training', false);
  if (!workspaceRoot()) log('No folder is open: runs and prompts need a workspace folder.');
  void catalog.refresh();
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
