// The panel's host side: one webview panel showing one run at a time. It forwards the selected run's
// trainer events live, and replays the run's whole history whenever the webview (re)loads — so
// closing, hiding or reloading the panel never loses anything, and training goes on regardless.
import * as vscode from 'vscode';
import type { RunManager } from '../runs/run-manager';
import type { RunSummary } from '../runs/run';
import {
  parseWebviewMessage,
  type DatasetFields,
  type HostToWebview,
  type PanelView,
  type PromptChoice,
  type SetupChoices,
  type SetupForm,
  type TryResult,
  type WebviewToHost,
} from '../../../webview/protocol';
import { panelHtml } from './html';
import type { NativeStatus } from '../native/native-status';

export const PANEL_VIEW_TYPE = 'promptTuner.panel';

/** What the panel asks the rest of the extension to do. */
export interface PanelActions {
  setupChoices(): Promise<SetupChoices>;
  prompts(): PromptChoice[];
  start(form: SetupForm): RunSummary;
  datasetFields(train: string): DatasetFields;
  browse(field: 'model' | 'train'): Promise<string | undefined>;
  /** `model` is the selected run's, for trying the frozen model when no prompt is chosen. */
  tryPrompts(input: string, prompts: string[], ensemble: boolean, model?: string): Promise<TryResult[]>;
  openPrompt(dir: string): Promise<void>;
  /** The extension's native install as it is now (read from disk). */
  nativeStatus(): NativeStatus;
  /** Runs "Set Up Native Backend". */
  setUpNative(): void;
  log(line: string): void;
}

export class PanelController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private selectedRunId: string | undefined;
  private pendingView: PanelView | undefined;
  private pendingPrompts: string[] | undefined;
  private ready = false;
  private readonly subscriptions: { dispose(): void }[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunManager,
    private readonly actions: PanelActions,
  ) {
    this.subscriptions.push(
      runs.onDidEvent.on((runId, event) => {
        if (runId === this.selectedRunId) this.post({ type: 'event', runId, event });
      }),
      runs.onDidChange.on((run) => this.post({ type: 'run', run })),
      runs.onDidRemove.on((runId) => this.post({ type: 'runRemoved', runId })),
    );
  }

  /** Opens (or reveals) the panel, optionally on a run, a view, or prompts for the playground. */
  show(options: { runId?: string; view?: PanelView; prompts?: string[] } = {}): void {
    if (options.runId) this.selectedRunId = options.runId;
    else this.selectedRunId ??= this.runs.activeRunId ?? this.runs.list().at(-1)?.id;
    if (this.panel) {
      this.panel.reveal(undefined, false);
      if (this.ready) {
        this.post({ type: 'select', runId: this.selectedRunId, view: options.view, prompts: options.prompts });
        if (options.runId) this.postHistory();
      } else {
        this.pendingView = options.view;
        this.pendingPrompts = options.prompts;
      }
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Prompt Tuning', vscode.ViewColumn.Active, this.webviewOptions());
    this.pendingView = options.view;
    this.pendingPrompts = options.prompts;
    this.attach(panel);
  }

  /** Called by the serializer when VS Code restores the panel after a window reload. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const runId = typeof state === 'object' && state !== null ? (state as { selectedRunId?: unknown }).selectedRunId : undefined;
    if (typeof runId === 'string' && this.runs.get(runId)) this.selectedRunId = runId;
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  notifyPrompts(): void {
    this.post({ type: 'prompts', prompts: this.actions.prompts() });
  }

  notifyNative(status: NativeStatus): void {
    this.post({ type: 'native', status });
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    // No retainContextWhenHidden: the webview reloads when shown again and the host replays its state.
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')] };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'prompt-tuner.svg');
    panel.webview.html = panelHtml(panel.webview, this.extensionUri);
    const subs = [
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        let message: WebviewToHost;
        try {
          message = parseWebviewMessage(raw);
        } catch (err) {
          this.actions.log(`panel: ignored a malformed message: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        void this.receive(message);
      }),
      panel.onDidChangeViewState(() => {
        // A hidden webview is torn down; it announces itself with 'ready' when shown again.
        if (!panel.visible) this.ready = false;
      }),
    ];
    panel.onDidDispose(() => {
      subs.forEach((s) => s.dispose());
      if (this.panel === panel) this.panel = undefined;
      this.ready = false;
    });
  }

  private post(message: HostToWebview): void {
    if (this.panel && this.ready) void this.panel.webview.postMessage(message);
  }

  private postHistory(): void {
    if (this.selectedRunId) this.post({ type: 'history', runId: this.selectedRunId, events: this.runs.history(this.selectedRunId) });
  }

  private async receive(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready': {
        const setup = await this.actions.setupChoices();
        this.ready = true;
        this.post({
          type: 'init',
          runs: this.runs.list(),
          selectedRunId: this.selectedRunId,
          view: this.pendingView,
          setup,
          prompts: this.actions.prompts(),
          trusted: vscode.workspace.isTrusted,
          native: this.actions.nativeStatus(),
        });
        if (this.pendingPrompts) this.post({ type: 'select', prompts: this.pendingPrompts });
        this.pendingView = undefined;
        this.pendingPrompts = undefined;
        this.postHistory();
        return;
      }
      case 'start':
        try {
          const run = this.actions.start(message.form);
          this.selectedRunId = run.id;
          this.post({ type: 'select', runId: run.id, view: 'progress' });
          this.postHistory();
        } catch (err) {
          this.post({ type: 'formError', message: err instanceof Error ? err.message : String(err) });
        }
        return;
      case 'selectRun':
        this.selectedRunId = message.runId;
        this.postHistory();
        return;
      case 'stop':
        this.runs.stop(message.runId);
        return;
      case 'resume':
        try {
          this.runs.resume(message.runId);
        } catch (err) {
          void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
        }
        return;
      case 'browse': {
        const value = await this.actions.browse(message.field);
        if (value) this.post({ type: 'browsed', field: message.field, value });
        return;
      }
      case 'datasetFields':
        try {
          this.post({ type: 'datasetFields', fields: this.actions.datasetFields(message.train) });
        } catch (err) {
          this.post({ type: 'formError', message: err instanceof Error ? err.message : String(err) });
        }
        return;
      case 'try':
        try {
          const model = this.selectedRunId ? this.runs.get(this.selectedRunId)?.request.model : undefined;
          const results = await this.actions.tryPrompts(message.input, message.prompts, message.ensemble, model);
          this.post({ type: 'tryResult', requestId: message.requestId, results });
        } catch (err) {
          this.post({ type: 'tryError', requestId: message.requestId, message: err instanceof Error ? err.message : String(err) });
        }
        return;
      case 'openPrompt':
        await this.actions.openPrompt(message.dir);
        return;
      case 'setUpNative':
        this.actions.setUpNative();
        return;
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.panel?.dispose();
  }
}
