// What the host does for each of the panel's requests. The panel controller (panel.ts) keeps the
// webview and the selected run; these handlers decide. Training and trying go through the run
// manager and the prompt worker, which refuse in an untrusted workspace whichever button asked.
// No vscode import: unit-tested directly.
import type { DatasetFields, FormValues, NativeStatus, PanelView, PlaygroundTry, PromptChoice, RunSummary, SetupChoices, TryResult } from '../../../webview/protocol';
import type { RunManager } from '../runs/run-manager';
import type { RequestHandlers } from './requests';
import type { SweepGridInput } from '../sweeps/sweep-group';

/** What the panel asks the rest of the extension to do. */
export interface PanelActions {
  setupChoices(): Promise<SetupChoices>;
  prompts(): PromptChoice[];
  /** Starts a run from the form's text; throws SchemaError or ChoiceError naming the field at fault. */
  start(form: FormValues): RunSummary;
  /** Queues a sweep over the form's run; returns its id. Throws as start does, or SweepGridError. */
  startSweep(form: FormValues, grid: SweepGridInput): string;
  datasetFields(train: string): DatasetFields;
  /** A folder or file from the open dialog, or a hub dataset from an input box. */
  browse(field: 'model' | 'train' | 'hubDataset'): Promise<string | undefined>;
  /** `model` is the selected run's, for trying the frozen model when no prompt is chosen. */
  tryPrompts(ask: PlaygroundTry, model?: string): Promise<TryResult[]>;
  /** The extension's native install as it is now (read from disk). */
  nativeStatus(): NativeStatus;
  /** Runs "Set Up Native Backend". */
  setUpNative(): void;
  log(line: string): void;
}

/** The panel controller as the handlers see it. */
export interface PanelHost {
  readonly runs: Pick<RunManager, 'list' | 'get' | 'stop' | 'resume'>;
  readonly actions: PanelActions;
  isTrusted(): boolean;
  /** The run the panel shows. */
  selectedRunId(): string | undefined;
  /** The view the panel opens on when it (re)loads, if one was asked for. */
  pendingView(): PanelView | undefined;
  /** Shows `runId`: selected, and its history replayed; `view` is switched to when given. */
  showRun(runId: string, view?: PanelView): void;
  /** Shows the sweep started here with this id in the Sweep view. */
  showSweep(sweepId: string): void;
}

export function panelHandlers(host: PanelHost): RequestHandlers {
  const { runs, actions } = host;
  return {
    ready: async () => ({
      runs: runs.list(),
      selectedRunId: host.selectedRunId(),
      view: host.pendingView(),
      setup: await actions.setupChoices(),
      prompts: actions.prompts(),
      trusted: host.isTrusted(),
      native: actions.nativeStatus(),
    }),
    start: ({ form }) => {
      const run = actions.start(form);
      host.showRun(run.id, 'progress');
      return { runId: run.id };
    },
    startSweep: ({ form, grid }) => {
      host.showSweep(actions.startSweep(form, grid));
      return {};
    },
    selectRun: ({ runId }) => {
      host.showRun(runId);
      return {};
    },
    stop: ({ runId }) => {
      runs.stop(runId);
      return {};
    },
    resume: ({ runId }) => {
      runs.resume(runId);
      return {};
    },
    browse: async ({ field }) => {
      const value = await actions.browse(field);
      return value ? { value } : {};
    },
    datasetFields: ({ train }) => ({ fields: actions.datasetFields(train) }),
    try: async ({ input, prompts, ensemble, labelMap }) => {
      const selected = host.selectedRunId();
      const model = selected ? runs.get(selected)?.request.model : undefined;
      return { results: await actions.tryPrompts({ input, prompts, ensemble, ...(labelMap !== undefined ? { labelMap } : {}) }, model) };
    },
    setUpNative: () => {
      actions.setUpNative();
      return {};
    },
  };
}
