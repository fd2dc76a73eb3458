// The panel's host side: one webview panel showing one run at a time. It forwards the selected run's
// trainer events live, and replays the run's whole history whenever the webview (re)loads — so
// closing, hiding or reloading the panel never loses anything, and training goes on regardless.
import * as vscode from 'vscode';
import type { RunManager } from '../runs/run-manager';
import type { HostToWebview, NativeStatus, PanelView } from '../../../webview/protocol';
import { panelHandlers, type PanelActions } from './handlers';
import { panelHtml } from './html';
import { answerRequest, type RequestHandlers } from './requests';
import { sweepGroups } from '../sweeps/sweep-group';
import { fileSweepView, liveSweepView } from '../sweeps/sweep-view-data';

export type { PanelActions };

export const PANEL_VIEW_TYPE = 'promptTuner.panel';

/** The sweep the Sweep view shows: one started in this window (by its id), or a sweep.json on disk. */
export type SweepSource = { group: string } | { file: string };

/** The Sweep tab's sweep from the panel's saved state, when it is one. */
function restoredSweep(saved: unknown): SweepSource | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const { group, file } = saved as { group?: unknown; file?: unknown };
  return typeof group === 'string' ? { group } : typeof file === 'string' ? { file } : undefined;
}

/** A sweep's runs evaluate several times a second at most; the view is rebuilt at most this often. */
const SWEEP_REFRESH_MS = 500;

export class PanelController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private selectedRunId: string | undefined;
  private pendingView: PanelView | undefined;
  private pendingPrompts: string[] | undefined;
  private ready = false;
  private sweep: SweepSource | undefined;
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: { dispose(): void }[] = [];
  private readonly handlers: RequestHandlers;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunManager,
    private readonly actions: PanelActions,
  ) {
    this.subscriptions.push(
      runs.onDidEvent.on((runId, event) => {
        if (runId === this.selectedRunId) this.post({ type: 'event', runId, event });
        if (event.type === 'eval' && this.showsSweepOf(runId)) this.scheduleSweep();
      }),
      runs.onDidChange.on((run) => {
        this.post({ type: 'run', run });
        if (this.showsSweepOf(run.id)) this.scheduleSweep();
      }),
      runs.onDidRemove.on((runId) => this.post({ type: 'runRemoved', runId })),
    );
    this.handlers = panelHandlers({
      runs,
      actions,
      isTrusted: () => vscode.workspace.isTrusted,
      selectedRunId: () => this.selectedRunId,
      pendingView: () => this.pendingView,
      showRun: (runId, view) => {
        this.selectedRunId = runId;
        if (view) this.post({ type: 'select', runId, view });
        this.postHistory();
      },
      showSweep: (group) => this.showSweep({ group }),
    });
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

  /** Opens (or reveals) the panel on its Sweep view, showing `source`. Throws when a sweep.json cannot be read. */
  showSweep(source: SweepSource): void {
    if ('file' in source) fileSweepView(source.file); // a bad file is reported before the panel changes
    this.sweep = source;
    this.show({ view: 'sweep' });
    this.postSweep();
  }

  /** Called by the serializer when VS Code restores the panel after a window reload. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const saved = typeof state === 'object' && state !== null ? (state as { selectedRunId?: unknown; sweep?: unknown }) : {};
    if (typeof saved.selectedRunId === 'string' && this.runs.get(saved.selectedRunId)) this.selectedRunId = saved.selectedRunId;
    this.sweep = restoredSweep(saved.sweep);
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
      panel.webview.onDidReceiveMessage(async (raw: unknown) => {
        const reply = await answerRequest(raw, this.handlers, this.actions.log);
        if (!reply || this.panel !== panel) return;
        // A reply goes out even before 'init' (an error answering 'ready' is what the panel then shows).
        void panel.webview.postMessage(reply);
        if (reply.type === 'init') this.initialised();
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

  private showsSweepOf(runId: string): boolean {
    const sweep = this.sweep;
    return sweep !== undefined && 'group' in sweep && this.runs.get(runId)?.sweep?.id === sweep.group;
  }

  private scheduleSweep(): void {
    this.sweepTimer ??= setTimeout(() => {
      this.sweepTimer = undefined;
      this.postSweep();
    }, SWEEP_REFRESH_MS);
  }

  private postSweep(): void {
    const source = this.sweep;
    if (!source || !this.ready) return;
    try {
      if ('file' in source) return this.post({ type: 'sweep', sweep: fileSweepView(source.file) });
      const group = sweepGroups(this.runs.list()).find((g) => g.id === source.group);
      if (group) this.post({ type: 'sweep', sweep: liveSweepView(group, (id) => this.runs.history(id)) });
    } catch (err) {
      this.actions.log(`The Sweep view could not be updated: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private postHistory(): void {
    if (this.selectedRunId) this.post({ type: 'history', runId: this.selectedRunId, events: this.runs.history(this.selectedRunId) });
  }

  /** The panel has its state: the pushes start, after what was waiting for it. */
  private initialised(): void {
    this.ready = true;
    if (this.pendingPrompts) this.post({ type: 'select', prompts: this.pendingPrompts });
    this.pendingView = undefined;
    this.pendingPrompts = undefined;
    this.postHistory();
    this.postSweep();
  }

  dispose(): void {
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.subscriptions.forEach((s) => s.dispose());
    this.panel?.dispose();
  }
}
