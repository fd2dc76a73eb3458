// The Sweep view: a sweep's runs as overlaid validation curves (one colour per grid point, its seeds
// in the same colour; a legend of buttons shows or hides each point from the keyboard) and its
// results table (metric mean ± std over seeds, seeds finished, best step, time per run, and prompt
// design's row when the sweep has one). It is rebuilt from each 'sweep' push.
import uPlot from 'uplot';
import { duration, el, icon, setText } from '../dom';
import type { SweepView as SweepData } from '../protocol';
import { themeColor } from './charts';
import { updateState } from '../vscode-api';

/** The theme's chart colours, one per grid point (repeated beyond six). */
const COLORS: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];

const pct = (x: number) => (100 * x).toFixed(1);

export class SweepView {
  readonly root: HTMLElement;
  private readonly title = el('h3', { id: 'sweep-title' }, 'No sweep');
  private readonly summary = el('p', { class: 'hint', id: 'sweep-summary' }, 'Start one with “Prompt Tuning: Start Sweep”, or open a sweep.json with “Prompt Tuning: Open Sweep Results”.');
  private readonly legend = el('div', { class: 'sweep-legend', id: 'sweep-legend', role: 'group', 'aria-label': 'Grid points shown in the chart' });
  private readonly chartBox = el('div', { class: 'chart', id: 'sweep-chart', role: 'img', 'aria-label': 'Validation metric of each run against the training step' });
  private readonly table = el('table', { class: 'sweep-table', id: 'sweep-table' });
  private readonly promptDesign = el('p', { class: 'hint', id: 'sweep-prompt-design', hidden: true });
  private plot: uPlot | undefined;
  private data: SweepData | undefined;
  private readonly hidden = new Set<string>();
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor() {
    const wrap = el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'sweep-title' }, this.table);
    this.root = el('section', { class: 'sweep', 'aria-labelledby': 'sweep-title' }, this.title, this.summary, this.legend, this.chartBox, wrap, this.promptDesign);
    this.resize.observe(this.chartBox);
  }

  show(sweep: SweepData): void {
    this.data = sweep;
    updateState({ sweep: sweep.source });
    setText(this.title, `Sweep ${sweep.name}`);
    const state = sweep.live ? `${sweep.finished} of ${sweep.cells} runs finished` : `${sweep.cells} runs`;
    setText(this.summary, `${state} · validation ${sweep.metricName} of each run (one colour per grid point, its seeds alike) · ${sweep.file}`);
    const points = [...new Set(sweep.curves.map((c) => c.point))];
    this.legend.replaceChildren(...points.map((p, i) => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = this.color(i); // through the CSSOM: the policy refuses style attributes
      const button = el('button', { type: 'button', class: 'sweep-point', 'aria-pressed': String(!this.hidden.has(p)), 'data-point': p }, swatch, ` ${p}`);
      button.addEventListener('click', () => this.toggle(p, button));
      return button;
    }));
    this.renderTable(sweep);
    this.redraw();
  }

  private color(i: number): string {
    const [name, fallback] = COLORS[i % COLORS.length]!;
    return themeColor(name, fallback);
  }

  private toggle(point: string, button: HTMLElement): void {
    if (this.hidden.has(point)) this.hidden.delete(point);
    else this.hidden.add(point);
    button.setAttribute('aria-pressed', String(!this.hidden.has(point)));
    this.data?.curves.forEach((c, i) => {
      if (c.point === point) this.plot?.setSeries(i + 1, { show: !this.hidden.has(point) });
    });
  }

  private renderTable(sweep: SweepData): void {
    const swept = [...new Set(sweep.rows.flatMap((r) => Object.keys(r.values)))];
    const columns = [...swept.map((a) => a.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)), `${sweep.metricName} % (mean ± std)`, 'seeds', 'best step', 'time/run'];
    const rows = sweep.rows.map((r) => el('tr', {},
      ...swept.map((a, i) => (i === 0 ? el('th', { scope: 'row' }, r.values[a] ?? '') : el('td', {}, r.values[a] ?? ''))),
      el('td', { class: 'num' }, r.mean === undefined ? '—' : `${pct(r.mean)} ± ${pct(r.std ?? 0)}`),
      el('td', { class: 'num' }, r.done < r.seeds ? `${r.done} of ${r.seeds} done` : String(r.seeds)),
      el('td', { class: 'num' }, r.meanBestStep === undefined ? '—' : String(Math.round(r.meanBestStep))),
      el('td', { class: 'num' }, duration(r.meanSeconds)),
    ));
    this.table.replaceChildren(
      el('caption', {}, 'Best validation metric of each grid point over its seeds'),
      el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', { scope: 'col' }, c)))),
      el('tbody', {}, ...rows),
    );
    const t = sweep.textPrompt;
    this.promptDesign.hidden = !t;
    if (t) this.promptDesign.replaceChildren(icon('comment'), ` Prompt design (frozen model, no training), text prompt “${t.text}”${t.shots ? ` + ${t.shots} shots` : ''}: ${sweep.metricName} ${pct(t.metric)}% on ${t.n} examples.`);
  }

  /** One series per run over the union of their evaluation steps (gaps spanned). */
  private redraw(): void {
    this.plot?.destroy();
    this.plot = undefined;
    const sweep = this.data;
    if (!sweep || this.chartBox.clientWidth === 0) return; // hidden tab: drawn when shown (ResizeObserver)
    const steps = [...new Set(sweep.curves.flatMap((c) => c.steps))].sort((a, b) => a - b);
    const columns = sweep.curves.map((c) => {
      const at = new Map(c.steps.map((s, i) => [s, c.values[i]!]));
      return steps.map((s) => at.get(s) ?? null);
    });
    const points = [...new Set(sweep.curves.map((c) => c.point))];
    const fg = themeColor('--vscode-foreground', '#ccc');
    const grid = themeColor('--vscode-widget-border', 'rgba(128,128,128,0.25)') || 'rgba(128,128,128,0.25)';
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.plot = new uPlot(
      {
        title: `validation ${sweep.metricName} (%)`,
        width: this.chartBox.clientWidth,
        height: 260,
        scales: { x: { time: false }, y: { range: [0, 100] } },
        legend: { show: false }, // the buttons above are the legend
        axes: [{ ...axis, label: 'step' }, axis],
        series: [
          { label: 'step' },
          ...sweep.curves.map((c) => ({
            label: `${c.point}, seed ${c.seed}`,
            stroke: this.color(points.indexOf(c.point)),
            width: 1.5,
            spanGaps: true,
            show: !this.hidden.has(c.point),
            points: { show: true, size: 4 },
          })),
        ],
      },
      [steps, ...columns.map((col) => col.map((x) => (x === null ? null : 100 * x)))],
      this.chartBox,
    );
  }

  private fit(): void {
    if (this.plot && this.chartBox.clientWidth > 0) this.plot.setSize({ width: this.chartBox.clientWidth, height: 260 });
    else if (!this.plot && this.chartBox.clientWidth > 0) this.redraw();
  }
}
