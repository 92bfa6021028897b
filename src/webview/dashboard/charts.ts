/**
 * Small time-series charts on uPlot (bundled; no CDN). Colours come from the
 * VS Code theme's chart colours, read when a chart is made, so a theme change
 * remakes the charts. Each chart is an image to assistive technology, with a
 * label that says what it shows and its latest and highest values.
 */
import uPlot from 'uplot';
import type { GroupJson, SeriesJson } from '../../core/metrics/report';
import { h, setAttr, setText, themeVar } from './dom';
import { fmtCount, fmtMs, fmtRate } from './format';

type Values = (number | null)[];

export interface LineSpec {
  label: string;
  /** A `--vscode-charts-*` colour name without the prefix: blue, red, yellow, orange, green, purple. */
  color: string;
  dash?: boolean;
  bars?: boolean;
  values: (s: SeriesJson, g: GroupJson) => Values;
}

export interface ChartSpec {
  /** Short title shown above the chart. */
  title: string;
  /** What the numbers are, for the accessible label: "requests per second". */
  what: string;
  format: (v: number | null) => string;
  /** Axis ticks: short numbers, the unit is in the title. */
  tick: (v: number) => string;
  lines: LineSpec[];
  /** A constant line (a limit), when known. */
  limit?: (g: GroupJson) => number | null;
}

const FALLBACK: Record<string, string> = { blue: '#3794ff', red: '#f14c4c', yellow: '#cca700', orange: '#d18616', green: '#89d185', purple: '#b180d7' };

export const CHARTS = {
  requests: { title: 'Requests/s', what: 'requests per second', format: fmtRate, tick: fmtRate, lines: [{ label: 'requests/s', color: 'blue', values: (s) => s.requestsPerSec }] },
  tokens: {
    title: 'Tokens/min', what: 'tokens per minute', format: fmtCount, tick: fmtCount,
    lines: [
      { label: 'through the pool', color: 'purple', values: (s) => s.tokensPerMin },
      { label: 'deployment reports', color: 'orange', dash: true, values: (s) => s.usedTokensPerMin },
    ],
  },
  throttles: {
    title: '429s and errors per 5 s', what: '429 answers and errors per 5 seconds', format: fmtCount, tick: fmtCount,
    lines: [
      { label: '429', color: 'yellow', bars: true, values: (s) => s.throttled },
      { label: 'errors', color: 'red', bars: true, values: (s) => s.errors },
    ],
  },
  latency: {
    title: 'Latency, first byte (ms)', what: 'milliseconds', format: fmtMs, tick: fmtCount,
    lines: [
      { label: 'p50', color: 'blue', values: (s) => s.p50Ms },
      { label: 'p95', color: 'blue', dash: true, values: (s) => s.p95Ms },
      { label: 'first byte p50', color: 'green', values: (s) => s.ttfbP50Ms },
      { label: 'first byte p95', color: 'green', dash: true, values: (s) => s.ttfbP95Ms },
    ],
  },
} satisfies Record<string, ChartSpec>;

const HEIGHT = 110;

export class Chart {
  readonly root: HTMLElement;
  private readonly plotBox: HTMLElement;
  private readonly summary: HTMLElement;
  private plot: uPlot | undefined;
  private data: uPlot.AlignedData = [[]];
  private width = 0;
  /** Seconds: the axis starts here when the pool is younger than the window (no data before it, not no traffic). */
  private since = 0;

  constructor(
    private readonly spec: ChartSpec,
    /** Whose numbers: "sim-1 gpt-4o-mini", "the pool". */
    private readonly subject: string,
    limitLabel?: string,
  ) {
    this.summary = h('span', { class: 'chart-now' });
    this.plotBox = h('div', { class: 'chart-plot' });
    const legend = h('ul', { class: 'chart-legend', 'aria-hidden': 'true' },
      ...spec.lines.map((l) => h('li', { class: `swatch ${l.color}${l.dash ? ' dash' : ''}${l.bars ? ' bar' : ''}` }, l.label)),
      limitLabel ? h('li', { class: 'swatch red dash' }, limitLabel) : undefined);
    this.root = h('figure', { class: 'chart', role: 'img' },
      h('figcaption', { 'aria-hidden': 'true' }, h('span', { class: 'chart-title' }, spec.title), this.summary), this.plotBox, legend);
  }

  update(times: readonly number[], since: number, g: GroupJson, windowLabel: string): void {
    const s = g.series;
    if (!s) return;
    const xs = times.map((t) => t / 1000);
    this.since = (since - (since % 5000)) / 1000;
    const ys = this.spec.lines.map((l) => l.values(s, g));
    const limit = this.spec.limit?.(g) ?? null;
    // The plot has a series for the limit whenever the spec has one: an unknown limit is a line of nulls.
    if (this.spec.limit) ys.push(xs.map(() => limit));
    this.data = [xs, ...ys];
    const first = ys[0] ?? [];
    const last = lastValue(first);
    const peak = first.reduce<number>((m, v) => (v !== null && v > m ? v : m), 0);
    setText(this.summary, `now ${this.spec.format(last)}`);
    setAttr(this.root, 'data-last', last === null ? '' : String(last));
    setAttr(this.root, 'data-points', String(first.filter((v) => v !== null && v > 0).length));
    const extra = this.spec.lines.slice(1).map((l, i) => `${l.label} now ${this.spec.format(lastValue(ys[i + 1] ?? []))}`).join(', ');
    setAttr(this.root, 'aria-label', `${this.spec.title} for ${this.subject}, ${windowLabel}: now ${this.spec.format(last)}, highest ${this.spec.format(peak)}${extra ? `; ${extra}` : ''}${limit !== null ? `; limit ${this.spec.format(limit)}` : ''}`);
    if (this.plot) this.plot.setData(this.data);
    else if (this.plotBox.isConnected) this.make();
  }

  /** Fits the chart to its box; called when the layout changes. */
  resize(): void {
    const w = Math.floor(this.plotBox.clientWidth);
    if (w <= 0 || w === this.width) return;
    this.width = w;
    if (this.plot) this.plot.setSize({ width: w, height: HEIGHT });
    else this.make();
  }

  /** A theme change: draw again with the new colours. */
  restyle(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.make();
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.root.remove();
  }

  private make(): void {
    const width = Math.floor(this.plotBox.clientWidth);
    if (width <= 0 || this.data.length < 2) return;
    this.width = width;
    const fg = themeVar('--vscode-descriptionForeground', '#888');
    const grid = themeVar('--vscode-charts-lines', 'rgba(128,128,128,0.25)');
    const font = `${themeVar('--vscode-font-size', '12px').replace(/px$/, '') || 12}px ${themeVar('--vscode-font-family', 'sans-serif')}`;
    const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
    const color = (name: string) => themeVar(`--vscode-charts-${name}`, FALLBACK[name]!);
    const axis: uPlot.Axis = { stroke: fg, font, size: 22, gap: 2, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: 3 } };
    // Seconds on the clock only while the axis spans a few minutes at most.
    const clock = (u: uPlot, s: number) => new Date(s * 1000).toLocaleTimeString(undefined,
      (u.scales.x!.max ?? 0) - (u.scales.x!.min ?? 0) <= 180 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
    const lines = this.spec.lines.map((l): uPlot.Series => ({
      label: l.label,
      stroke: color(l.color),
      width: highContrast ? 2.5 : 1.5,
      dash: l.dash ? [5, 3] : undefined,
      fill: l.bars ? color(l.color) : undefined,
      paths: l.bars ? uPlot.paths.bars!({ size: [0.7, 8], align: 1 }) : undefined,
      points: { show: false },
    }));
    if (this.spec.limit) lines.push({ label: 'limit', stroke: color('red'), width: 1, dash: [2, 3], points: { show: false } });
    this.plot = new uPlot({
      width, height: HEIGHT, padding: [6, 22, 0, 0],
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true, range: (_u, min, max) => [Math.min(Math.max(min, this.since), max - 5), max] }, y: { range: (_u, _min, max) => [0, niceMax(max)] } },
      axes: [
        { ...axis, space: 80, values: (u, vals) => vals.map((v) => clock(u, v)) },
        { ...axis, size: 40, space: 24, values: (_u, vals) => vals.map((v) => this.spec.tick(v)) },
      ],
      series: [{}, ...lines],
    }, this.data, this.plotBox);
  }
}

function lastValue(vs: Values): number | null {
  for (let i = vs.length - 1; i >= 0; i--) if (vs[i] !== null) return vs[i]!;
  return null;
}

function niceMax(max: number | null): number {
  if (max === null || !Number.isFinite(max) || max <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  return Math.ceil((max * 1.1) / step) * step;
}

/** The `h` helper's element for a row of charts. */
export function chartRow(charts: Chart[]): HTMLElement {
  return h('div', { class: 'charts' }, ...charts.map((c) => c.root));
}
