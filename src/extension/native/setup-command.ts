// "Prompt Tuning: Set Up Native Backend": installs @tensorflow/tfjs-node (or -gpu, where nvidia-smi
// reports a GPU and the user picks it) into the extension's global storage with the user's npm,
// under a cancellable progress notification with the log in the output channel; then loads it in a
// fresh worker, times a matrix product and reports the backend and its GFLOP/s. The install logic
// itself is shared with the CLI (core/native); this file is only the VS Code side of it.
import * as vscode from 'vscode';
import { describeCudaLibraries, describeGpu, describeGpuRequirements, detectNvidiaGpus, findCudaLibraries, gpuPlatformProblem } from '../../core/native/gpu';
import { InstallCancelledError, installNativeBackend, type InstallOutcome } from '../../core/native/installer';
import { NATIVE_PACKAGES, type NativeVariant } from '../../core/native/install-record';
import { describeCheck } from '../../core/native/labels';
import { currentNpmSearch, findNpm, NODE_DOWNLOAD_URL, NpmNotFoundError } from '../../core/native/npm';
import type { WorkerHandle } from '../runs/run-manager';
import { checkInFreshWorker } from './check-in-worker';
import { nativeWorkerEnv, readNativeStatus } from './native-status';
import type { NativeStatus } from '../../../webview/protocol';

export interface NativeSetup {
  /** <globalStorage>/native: the install root. */
  root: string;
  /** The engine's tfjs-core version, which the native package must equal. */
  engineVersion: string;
  /** Starts a worker whose environment has `env` on top (which TensorFlow.js it loads). */
  launchWorker: (env: Record<string, string>) => WorkerHandle;
  output: vscode.LogOutputChannel;
  npmPath: () => string | undefined;
  /** A new install became active (or was kept): refresh what shows the backend, restart idle workers. */
  onInstalled: (status: NativeStatus) => void;
}

let running = false;

function log(setup: NativeSetup, line: string): void {
  setup.output.info(`[native] ${line}`);
}

async function chooseVariant(setup: NativeSetup, version: string): Promise<NativeVariant | undefined> {
  const platformProblem = gpuPlatformProblem(process.platform, process.arch);
  if (platformProblem) {
    log(setup, `GPU package not offered: ${platformProblem}`);
    return 'cpu';
  }
  const detection = await detectNvidiaGpus({ env: process.env, platform: process.platform });
  if (detection.gpus.length === 0) {
    log(setup, `GPU package not offered: ${detection.reason ?? 'no NVIDIA GPU'}`);
    return 'cpu';
  }
  const gpus = detection.gpus;
  log(setup, `nvidia-smi reports ${gpus.map(describeGpu).join('; ')}`);
  const cuda = describeCudaLibraries(findCudaLibraries({ env: process.env, platform: process.platform }));
  const picked = await vscode.window.showQuickPick(
    [
      { label: '$(chip) TensorFlow on the CPU', description: `${NATIVE_PACKAGES.cpu} ${version}`, detail: 'Works on any machine; several times faster than WebAssembly.', variant: 'cpu' as const },
      {
        label: `$(circuit-board) TensorFlow on the GPU: ${gpus[0]?.name ?? 'NVIDIA GPU'}`,
        description: `${NATIVE_PACKAGES.gpu} ${version}`,
        detail: `Needs CUDA 11.2 and cuDNN 8.1${cuda ? ` (${cuda})` : ''}. Falls back to the CPU package when the GPU cannot be used.`,
        variant: 'gpu' as const,
      },
    ],
    { title: 'Set Up Native Backend', placeHolder: 'Which TensorFlow package?' },
  );
  if (!picked) return undefined;
  if (picked.variant === 'cpu') return 'cpu';
  const detail = `${describeGpuRequirements()}\n\nThis machine: ${gpus.map(describeGpu).join('; ')}${cuda ? `; ${cuda}` : ''}.`;
  log(setup, detail.replace(/\n+/g, ' '));
  const go = await vscode.window.showWarningMessage('Install the GPU backend?', { modal: true, detail }, 'Install GPU Package');
  return go ? 'gpu' : undefined;
}

function reportSuccess(setup: NativeSetup, outcome: InstallOutcome): void {
  const { record } = outcome;
  const what = describeCheck(record.check);
  log(setup, `${outcome.keptPrevious ? 'Kept' : 'Installed'} ${record.package}@${record.version} in ${outcome.seconds.toFixed(0)} s; the check in a fresh worker: ${what}.`);
  const open = (choice: string | undefined) => choice === 'Show Log' && setup.output.show(true);
  if (outcome.gpuFallback) {
    void vscode.window
      .showWarningMessage(
        `Native backend ready on the CPU, not the GPU: ${outcome.gpuFallback}. ${outcome.keptPrevious ? 'The CPU package already installed was kept' : 'The CPU package was installed instead'}: ${what}.`,
        'Show Log',
      )
      .then(open);
    return;
  }
  void vscode.window.showInformationMessage(`Native backend ready: ${what}. New runs use it.`, 'Show Log').then(open);
}

async function install(setup: NativeSetup, variant: NativeVariant, npm: string): Promise<InstallOutcome | undefined> {
  setup.output.show(true);
  const title = `Setting up the native backend (${NATIVE_PACKAGES[variant]} ${setup.engineVersion})`;
  try {
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return installNativeBackend({
        root: setup.root,
        variant,
        version: setup.engineVersion,
        npm,
        signal: controller.signal,
        onStep: (step) => progress.report({ message: `${step}…` }),
        onLog: (line) => log(setup, line),
        check: (folder, backend) => checkInFreshWorker(() => setup.launchWorker(nativeWorkerEnv(folder)), backend),
      });
    });
    reportSuccess(setup, outcome);
    setup.onInstalled(readNativeStatus(setup.root, setup.engineVersion));
    return outcome;
  } catch (err) {
    if (err instanceof InstallCancelledError) {
      log(setup, err.message);
      void vscode.window.showInformationMessage(err.message);
      return undefined;
    }
    const message = err instanceof Error ? err.message : String(err);
    setup.output.error(`[native] ${message}`);
    void vscode.window.showErrorMessage(`Setting up the native backend failed: ${message} The previous backend is unchanged.`, 'Show Log').then((c) => c && setup.output.show(true));
    return undefined;
  }
}

/** Checks the active install again in a fresh worker and reports it. */
async function checkAgain(setup: NativeSetup): Promise<void> {
  try {
    const check = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking the native backend…' }, () =>
      checkInFreshWorker(() => setup.launchWorker(nativeWorkerEnv(setup.root)), 'auto'),
    );
    log(setup, `Check in a fresh worker: ${describeCheck(check)} (from ${check.source}).`);
    void vscode.window.showInformationMessage(`Backend check: ${describeCheck(check)}.`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    setup.output.error(`[native] check failed: ${message}`);
    void vscode.window.showErrorMessage(`The native backend check failed: ${message}`, 'Show Log').then((c) => c && setup.output.show(true));
  }
}

export async function setUpNativeBackend(setup: NativeSetup): Promise<InstallOutcome | undefined> {
  if (running) {
    void vscode.window.showInformationMessage('The native backend is being set up already; see its notification.');
    return undefined;
  }
  running = true;
  try {
    const status = readNativeStatus(setup.root, setup.engineVersion);
    if (status.state === 'ready') {
      const choice = await vscode.window.showInformationMessage(`The native backend is set up: ${status.summary}`, 'Check Again', 'Reinstall');
      if (choice === 'Check Again') return void (await checkAgain(setup));
      if (choice !== 'Reinstall') return undefined;
    }
    let npm: string;
    try {
      npm = findNpm(currentNpmSearch(), setup.npmPath());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setup.output.error(`[native] ${message}`);
      const action = err instanceof NpmNotFoundError ? 'Download Node.js' : 'Open Settings';
      const choice = await vscode.window.showErrorMessage(message, action);
      if (choice === 'Download Node.js') void vscode.env.openExternal(vscode.Uri.parse(NODE_DOWNLOAD_URL));
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'promptTuner.npmPath');
      return undefined;
    }
    log(setup, `npm: ${npm}`);
    const variant = await chooseVariant(setup, setup.engineVersion);
    if (!variant) return undefined;
    return await install(setup, variant, npm);
  } finally {
    running = false;
  }
}
