// Live line charts (uPlot) in the theme's colours. Data arrays are shared with RunData and grow in
// place; redraws are batched to one per animation frame however many events arrive.
import uPlot from 'uplot';

export function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

export interface SeriesSpec {
  label: string;
  color: string; // CSS variable name, e.g. --vscode-charts-blue
  fallback: string;
  scale?: string;
  format?: (v: number) => string;
}

export class LiveChart {
  private plot: uPlot | undefined;
  private data: uPlot.AlignedData = [[]];
  private frame = 0;
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(
    readonly root: HTMLElement,
    private readonly title: string,
    private readonly series: SeriesSpec[],
    private readonly yRange?: [number, number],
  ) {
    this.resize.observe(root);
  }

  /** Points the chart at new arrays (a run was selected or its history replayed). */
  setData(data: number[][]): void {
    this.data = data as uPlot.AlignedData;
    this.schedule();
  }

  /** The arrays grew: redraw at the next frame. */
  update(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.plot) this.create();
      this.plot?.setData(this.data);
    });
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.root.clientWidth), height: 220 };
  }

  private fit(): void {
    if (this.plot && this.root.clientWidth > 0) this.plot.setSize(this.size());
    else if (!this.plot && this.root.clientWidth > 0 && this.data[0].length > 0) this.schedule();
  }

  private create(): void {
    if (this.root.clientWidth === 0) return; // hidden tab: created when it is shown (ResizeObserver)
    const fg = themeColor('--vscode-foreground', '#ccc');
    const grid = themeColor('--vscode-widget-border', 'rgba(128,128,128,0.25)') || 'rgba(128,128,128,0.25)';
    const axis = (scale?: string, side?: number): uPlot.Axis => ({
      stroke: fg,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      ...(scale ? { scale } : {}),
      ...(side !== undefined ? { side } : {}),
    });
    const scales: uPlot.Scales = { x: { time: false } };
    if (this.yRange) scales.y = { range: this.yRange };
    const extraScales = [...new Set(this.series.map((s) => s.scale).filter((s): s is string => !!s))];
    for (const s of extraScales) scales[s] = {};
    this.plot = new uPlot(
      {
        title: this.title,
        ...this.size(),
        scales,
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
        axes: [axis(), axis('y'), ...extraScales.map((s) => axis(s, 1))],
        series: [
          { label: 'step' },
          ...this.series.map((s) => ({
            label: s.label,
            stroke: themeColor(s.color, s.fallback),
            width: 1.5,
            scale: s.scale ?? 'y',
            points: { show: this.series.length > 1 || this.yRange !== undefined },
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : (s.format ?? ((x: number) => x.toFixed(4)))(v)),
          })),
        ],
      },
      this.data,
      this.root,
    );
  }
}
