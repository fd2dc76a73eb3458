// The progress view: step statistics, a progress bar, live charts of the training loss and the
// validation metric, Stop/Resume, and the run's outcome (with the last output of a crashed worker).
import { duration, el, icon, percent, setText } from '../dom';
import type { NativeStatus, RunSummary } from '../protocol';
import type { Change, RunData } from '../run-data';
import type { RequestError } from '../requests';
import { getState, requests, updateState } from '../vscode-api';
import { backendLabel } from '../../src/core/native/labels';
import { nativeHintText } from '../native-hint';
import { LiveChart } from './charts';
import { LabelChecksView } from './label-checks-view';

const STATS = ['status', 'step', 'loss', 'best', 'speed', 'eta', 'backend', 'memory'] as const;
type Stat = (typeof STATS)[number];
const STAT_LABELS: Record<Stat, string> = {
  status: 'Status',
  step: 'Step',
  loss: 'Training loss',
  best: 'Best metric',
  speed: 'Examples/s',
  eta: 'Time left',
  backend: 'Backend',
  memory: 'Memory',
};

export class ProgressView {
  readonly root: HTMLElement;
  private readonly stats = {} as Record<Stat, HTMLElement>;
  private readonly bar = el('div', { class: 'bar-fill' });
  private readonly barTrack: HTMLElement;
  private readonly lossChart: LiveChart;
  private readonly metricChart: LiveChart;
  private readonly labelChecks = new LabelChecksView();
  private readonly stopButton: HTMLElement;
  private readonly resumeButton: HTMLElement;
  private readonly message = el('div', { class: 'message', role: 'status', id: 'run-message' });
  private readonly lastOutput = el('pre', { class: 'last-output', hidden: true, id: 'last-output' });
  private readonly logList = el('ul', { class: 'log', 'aria-label': 'Trainer messages' });
  private readonly empty = el('div', { class: 'empty' }, 'No run selected. Start one in Setup, or with “Prompt Tuning: Tune Prompt”.');
  private readonly body: HTMLElement;
  private readonly nativeHint: HTMLElement;
  private readonly nativeHintText = el('span', { id: 'native-hint-text' });
  private native: NativeStatus | undefined;
  private runId: string | undefined;
  private backend: string | undefined;

  constructor() {
    const statList = el('dl', { class: 'stats' });
    for (const s of STATS) {
      this.stats[s] = el('dd', { id: `stat-${s}` }, '—');
      statList.append(el('div', { class: 'stat' }, el('dt', {}, STAT_LABELS[s]), this.stats[s]));
    }
    this.stopButton = el('vscode-button', { id: 'stop', appearance: 'secondary' }, icon('debug-stop'), ' Stop');
    this.resumeButton = el('vscode-button', { id: 'resume', appearance: 'primary' }, icon('debug-continue'), ' Resume');
    const act = (type: 'stop' | 'resume') => {
      if (this.runId) requests.send({ type, runId: this.runId }).catch((err: RequestError) => this.showFailure(err.message));
    };
    this.stopButton.addEventListener('click', () => act('stop'));
    this.resumeButton.addEventListener('click', () => act('resume'));
    this.barTrack = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': 'Training progress' }, this.bar);
    this.lossChart = new LiveChart(el('div', { class: 'chart', id: 'loss-chart' }), 'Training loss', [
      { label: 'loss', color: '--vscode-charts-blue', fallback: '#3794ff' },
    ]);
    this.metricChart = new LiveChart(el('div', { class: 'chart', id: 'metric-chart' }), 'Validation', [
      { label: 'metric', color: '--vscode-charts-green', fallback: '#89d185', format: (v) => `${(v * 100).toFixed(1)}%` },
      { label: 'valid loss', color: '--vscode-charts-orange', fallback: '#d18616', scale: 'loss' },
    ], [0, 1]);
    const setUp = el('vscode-button', { id: 'native-hint-setup', appearance: 'primary' }, icon('rocket'), ' Set Up Native Backend');
    const notNow = el('vscode-button', { id: 'native-hint-dismiss', appearance: 'secondary' }, 'Not now');
    setUp.addEventListener('click', () => requests.send({ type: 'setUpNative' }).catch((err: RequestError) => this.showFailure(err.message)));
    notNow.addEventListener('click', () => {
      updateState({ nativeHintDismissed: true });
      this.renderNativeHint();
    });
    this.nativeHint = el('div', { class: 'native-hint', id: 'native-hint', role: 'note', hidden: true }, icon('info'), this.nativeHintText, el('div', { class: 'buttons' }, setUp, notNow));
    this.body = el(
      'div',
      { class: 'progress-body' },
      el('div', { class: 'toolbar' }, statList, el('div', { class: 'buttons' }, this.stopButton, this.resumeButton)),
      this.nativeHint,
      this.barTrack,
      this.message,
      this.lastOutput,
      el('div', { class: 'charts' }, this.lossChart.root, this.metricChart.root),
      this.labelChecks.root,
      el('details', {}, el('summary', {}, 'Trainer messages'), this.logList),
    );
    this.root = el('section', { class: 'progress', 'aria-label': 'Progress' }, this.empty, this.body);
    this.body.hidden = true;
  }

  /** A request about the run failed (a resume refused...): said where the run's outcome is. */
  private showFailure(message: string): void {
    setText(this.message, message);
    this.message.className = 'message message-failed';
  }

  /** The native install changed (or the panel loaded): the hint may appear or go. */
  setNative(status: NativeStatus): void {
    this.native = status;
    this.renderNativeHint();
  }

  private renderNativeHint(): void {
    const text = getState().nativeHintDismissed ? undefined : nativeHintText(this.backend, this.native);
    this.nativeHint.hidden = text === undefined;
    setText(this.nativeHintText, text ?? '');
  }

  /** A run was selected: show its data from scratch. */
  show(run: RunSummary | undefined, data: RunData | undefined): void {
    this.runId = run?.id;
    this.backend = run?.backend ?? data?.started?.backend;
    this.renderNativeHint();
    this.empty.hidden = run !== undefined;
    this.body.hidden = run === undefined;
    if (!run || !data) return;
    this.lossChart.setData(data.loss);
    this.metricChart.setData(data.evals);
    this.labelChecks.show(data.lastEval?.labelChecks, data.lastEval?.step);
    this.logList.replaceChildren(...data.logs.map((l) => el('li', {}, l)));
    this.updateSummary(run, data);
  }

  /** One live event: only the affected parts change. */
  apply(change: Change, run: RunSummary, data: RunData): void {
    if (change === 'step') this.lossChart.update();
    if (change === 'eval') {
      this.metricChart.update();
      this.labelChecks.show(data.lastEval?.labelChecks, data.lastEval?.step);
    }
    if (change === 'started') {
      this.lossChart.setData(data.loss);
      this.metricChart.setData(data.evals);
    }
    if (change === 'log') {
      this.logList.append(el('li', {}, data.logs[data.logs.length - 1] ?? ''));
      while (this.logList.childElementCount > data.logs.length) this.logList.firstElementChild?.remove();
    }
    this.updateSummary(run, data);
  }

  updateSummary(run: RunSummary, data: RunData | undefined): void {
    if (run.id !== this.runId) return;
    const step = data?.lastStep;
    setText(this.stats.status, run.status);
    this.stats.status.className = `status status-${run.status}`;
    setText(this.stats.step, run.totalSteps ? `${run.step} / ${run.totalSteps}` : String(run.step));
    setText(this.stats.loss, run.loss !== undefined ? run.loss.toFixed(4) : '—');
    const best = data?.best ?? (run.bestMetric !== undefined ? { metric: run.bestMetric, step: run.bestStep ?? 0 } : undefined);
    setText(this.stats.best, best ? `${percent(best.metric)} ${data?.metricName ?? ''} (step ${best.step})` : '—');
    setText(this.stats.speed, step ? step.examplesPerSecond.toFixed(1) : '—');
    setText(this.stats.eta, run.status === 'training' ? duration(run.etaSeconds) : '—');
    const backend = run.backend ?? data?.started?.backend;
    setText(this.stats.backend, backendLabel(backend));
    if (backend !== this.backend) {
      this.backend = backend;
      this.renderNativeHint();
    }
    setText(this.stats.memory, step ? `${Math.round(step.memoryMB)} MB` : '—');
    const pct = run.totalSteps > 0 ? Math.min(100, (100 * run.step) / run.totalSteps) : 0;
    this.bar.style.width = `${pct}%`;
    this.barTrack.setAttribute('aria-valuenow', String(Math.round(pct)));
    const active = run.status === 'training' || run.status === 'queued';
    this.stopButton.toggleAttribute('disabled', !active);
    this.resumeButton.toggleAttribute('disabled', !(run.status === 'stopped' || run.status === 'failed' || run.status === 'crashed'));
    const resumedFrom = data?.started?.resumedFromStep;
    const message =
      run.message ??
      run.activity ??
      (run.status === 'queued'
        ? 'Waiting for the run before it to finish.'
        : run.status === 'stopping'
          ? 'Stopping: writing a checkpoint…'
          : resumedFrom !== undefined
            ? `Resumed from the checkpoint of step ${resumedFrom}.`
            : '');
    setText(this.message, message);
    this.message.className = `message message-${run.status}`;
    this.lastOutput.hidden = !run.lastOutput?.length;
    setText(this.lastOutput, run.lastOutput?.join('\n') ?? '');
  }
}
