// The panel app: a run picker and five tabs (Setup, Progress, Interpretation, Playground, Sweep). Each view
// builds its DOM once; host messages update only what they concern.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTextArea,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import './panel.css';
import { el, icon, setText, type ValueElement } from './dom';
import { PANEL_VIEWS, parseHostToWebview, type HostToWebview, type PanelView, type Push, type ReplyTo, type RunSummary } from './protocol';
import { RunData } from './run-data';
import { getState, requests, updateState } from './vscode-api';
import { InterpretationView } from './views/interpretation-view';
import { PlaygroundView } from './views/playground-view';
import { ProgressView } from './views/progress-view';
import { SetupView } from './views/setup-view';
import { SweepView } from './views/sweep-view';

provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodeCheckbox(),
  vsCodeDropdown(),
  vsCodeOption(),
  vsCodePanels(),
  vsCodePanelTab(),
  vsCodePanelView(),
  vsCodeProgressRing(),
  vsCodeTextArea(),
  vsCodeTextField(),
);

const TAB_TITLES: Record<PanelView, [string, string]> = {
  setup: ['Setup', 'settings'],
  progress: ['Progress', 'graph-line'],
  interpretation: ['Interpretation', 'symbol-key'],
  playground: ['Playground', 'play'],
  sweep: ['Sweep', 'table'],
};

const runs = new Map<string, RunSummary>();
let selectedRunId = getState().selectedRunId;
let data: RunData | undefined;

const setup = new SetupView();
const progress = new ProgressView();
const interpretation = new InterpretationView();
const playground = new PlaygroundView();
const sweep = new SweepView();

const runPicker = el('vscode-dropdown', { id: 'run-picker', 'aria-label': 'Run', position: 'below' }) as ValueElement;
const runStatus = el('span', { class: 'run-status', id: 'run-status' });
const trustBanner = el('div', { class: 'banner', role: 'alert', hidden: true }, icon('shield'), ' This workspace is not trusted: nothing is trained or run here.');
const failureText = el('span', { id: 'panel-failure-text' });
const failureBanner = el('div', { class: 'banner', role: 'alert', id: 'panel-failure', hidden: true }, icon('error'), ' ', failureText);

/** Says what failed where the view would otherwise stay blank or stale. */
function reportFailure(what: string, err: unknown): void {
  setText(failureText, `${what}: ${err instanceof Error ? err.message : String(err)}`);
  failureBanner.hidden = false;
}
const tabs = el('vscode-panels', { id: 'tabs', 'aria-label': 'Prompt Tuning views' });
for (const view of PANEL_VIEWS) {
  const [title, codicon] = TAB_TITLES[view];
  tabs.append(el('vscode-panel-tab', { id: `tab-${view}` }, icon(codicon), ` ${title}`));
}
tabs.append(
  el('vscode-panel-view', { id: 'view-setup' }, setup.root),
  el('vscode-panel-view', { id: 'view-progress' }, progress.root),
  el('vscode-panel-view', { id: 'view-interpretation' }, interpretation.root),
  el('vscode-panel-view', { id: 'view-playground' }, playground.root),
  el('vscode-panel-view', { id: 'view-sweep' }, sweep.root),
);
document.getElementById('app')!.append(
  el('header', { class: 'header' }, el('label', { for: 'run-picker' }, 'Run'), runPicker, runStatus),
  trustBanner,
  failureBanner,
  tabs,
);

function showView(view: PanelView): void {
  tabs.setAttribute('activeid', `tab-${view}`);
  updateState({ view });
}

tabs.addEventListener('change', () => {
  const active = tabs.getAttribute('activeid')?.replace(/^tab-/, '') as PanelView | undefined;
  if (active && PANEL_VIEWS.includes(active)) updateState({ view: active });
});

function describe(run: RunSummary): string {
  return `${run.name} — ${run.status}`;
}

function renderPicker(): void {
  const list = [...runs.values()].reverse();
  runPicker.replaceChildren(
    ...(list.length ? list.map((r) => el('vscode-option', { value: r.id }, describe(r))) : [el('vscode-option', { value: '' }, 'No runs yet')]),
  );
  if (selectedRunId) queueMicrotask(() => (runPicker.value = selectedRunId ?? ''));
}

function updatePickerEntry(run: RunSummary): void {
  const option = Array.from(runPicker.querySelectorAll('vscode-option')).find((o) => o.getAttribute('value') === run.id);
  if (option) setText(option, describe(run));
  else renderPicker();
}

function selectRun(runId: string | undefined): void {
  selectedRunId = runId;
  updateState({ selectedRunId: runId });
  data = undefined;
  renderSelected();
  if (runId) runPicker.value = runId;
}

function renderSelected(): void {
  const run = selectedRunId ? runs.get(selectedRunId) : undefined;
  setText(runStatus, run ? `${run.request.model} · ${run.request.train}` : '');
  progress.show(run, data);
  interpretation.setInsights(data?.insights ?? [], data?.lastEval?.step);
}

runPicker.addEventListener('change', () => {
  const id = runPicker.value;
  if (id && id !== selectedRunId) {
    selectRun(id);
    requests.send({ type: 'selectRun', runId: id }).catch((err: unknown) => reportFailure('Could not show the run', err));
  }
});

/** The host's answer to 'ready': everything the panel shows. */
function initialise(m: ReplyTo<'ready'>): void {
  failureBanner.hidden = true;
  runs.clear();
  for (const r of m.runs) runs.set(r.id, r);
  trustBanner.hidden = m.trusted;
  setup.setChoices(m.setup, m.trusted);
  setup.setNative(m.native);
  progress.setNative(m.native);
  playground.setPrompts(m.prompts);
  selectedRunId = m.selectedRunId ?? (selectedRunId && runs.has(selectedRunId) ? selectedRunId : undefined);
  renderPicker();
  selectRun(selectedRunId);
  showView(m.view ?? (runs.size === 0 ? 'setup' : getState().view));
}

/** What the host pushes without being asked. */
function receive(m: Push): void {
  switch (m.type) {
    case 'run': {
      runs.set(m.run.id, m.run);
      updatePickerEntry(m.run);
      if (m.run.id === selectedRunId) progress.updateSummary(m.run, data);
      if (!selectedRunId) selectRun(m.run.id);
      return;
    }
    case 'runRemoved':
      runs.delete(m.runId);
      renderPicker();
      if (selectedRunId === m.runId) selectRun(undefined);
      return;
    case 'history': {
      if (m.runId !== selectedRunId) selectRun(m.runId);
      data = new RunData();
      for (const e of m.events) data.apply(e);
      renderSelected();
      return;
    }
    case 'event': {
      if (m.runId !== selectedRunId || !data) return;
      const change = data.apply(m.event);
      const run = runs.get(m.runId);
      if (run) progress.apply(change, run, data);
      if (change === 'eval') interpretation.setInsights(data.insights, data.lastEval?.step);
      return;
    }
    case 'select':
      if (m.runId && m.runId !== selectedRunId) selectRun(m.runId);
      if (m.prompts) playground.select(m.prompts);
      if (m.view) showView(m.view);
      return;
    case 'prompts':
      playground.setPrompts(m.prompts);
      return;
    case 'sweep':
      sweep.show(m.sweep);
      return;
    case 'native':
      setup.setNative(m.status);
      progress.setNative(m.status);
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  let message: HostToWebview;
  try {
    message = parseHostToWebview(event.data);
  } catch (err) {
    reportFailure('The panel received a message it cannot read', err);
    return;
  }
  if (!requests.settle(message)) receive(message as Push);
});

requests.send({ type: 'ready' }).then(initialise, (err: unknown) => reportFailure('The panel could not load', err));
