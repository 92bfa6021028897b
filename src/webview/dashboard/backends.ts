/**
 * The pool's own figures and one card per backend: its state with the
 * reason, and per deployment the current numbers and four small charts.
 * Cards are kept by name and updated in place, so focus and reading position
 * survive the once-a-second refresh.
 */
import type { BackendJson, DeploymentJson, GroupJson, MetricsJson } from '../../core/metrics/report';
import { CHARTS, Chart, chartRow, type ChartSpec } from './charts';
import { h, setAttr, setText } from './dom';
import { fmtCount, fmtMs, fmtRate, fmtUntil, NONE } from './format';

/** The words of the sidebar (core/view/backendItem.ts), for every state a backend or deployment can be in. */
const STATUS_TEXT: Record<BackendJson['status'] | DeploymentJson['status'], string> = {
  healthy: 'healthy', unknown: 'not checked yet', cooling: 'cooling down', unhealthy: 'unhealthy', misconfigured: 'misconfigured',
  signedOut: 'signed out', keyMissing: 'API key missing', hostRefused: 'credentials refused', awaitingApproval: 'waiting for approval',
  disabled: 'disabled', unavailable: 'backend unavailable', other: 'other deployments',
};

/** A block of figures: label and value pairs, as a description list. */
class Figures {
  readonly root = h('dl', { class: 'figures' });
  private readonly values = new Map<string, HTMLElement>();

  set(label: string, value: string, title?: string): void {
    let dd = this.values.get(label);
    if (!dd) {
      dd = h('dd');
      this.values.set(label, dd);
      this.root.append(h('div', { class: 'figure' }, h('dt', {}, label), dd));
    }
    setText(dd, value);
    setAttr(dd, 'title', title);
  }
}

function groupFigures(f: Figures, g: GroupJson, tokensLimit?: DeploymentJson['limit'], used?: number | null): void {
  const c = g.current;
  f.set('req/s', fmtRate(c.requestsPerSec), `${c.requests} requests in the last ${c.windowSec} s`);
  const limit = tokensLimit?.tokensPerMin;
  const tokens = fmtCount(c.tokensPerMin);
  f.set('tokens/min', limit ? `${tokens} of ${fmtCount(limit)}` : tokensLimit ? `${tokens} (limit unknown)` : tokens,
    tokensLimit ? `limit from ${tokensLimit.source === 'header' ? 'the x-ratelimit-limit-tokens header' : tokensLimit.source === 'config' ? 'the configured capacity' : 'nowhere yet'}${used !== null && used !== undefined ? `; the deployment counts ${fmtCount(used)} in its last minute` : ''}` : undefined);
  f.set('429s', fmtCount(c.throttled), 'in the last minute');
  f.set('errors', fmtCount(c.errors), '5xx, 408 and transport errors in the last minute');
  f.set('p50 / p95', c.p50Ms === null ? NONE : `${fmtMs(c.p50Ms)} / ${fmtMs(c.p95Ms)}`);
  f.set('first byte', c.ttfbP50Ms === null ? NONE : `${fmtMs(c.ttfbP50Ms)} / ${fmtMs(c.ttfbP95Ms)}`, 'time to first body byte (first token of a stream), p50 / p95');
}

/** A set of charts for one group of numbers. */
class ChartSet {
  readonly charts: Chart[];
  readonly root: HTMLElement;

  constructor(subject: string, specs: ChartSpec[], limitLabel?: string) {
    this.charts = specs.map((s) => new Chart(s, subject, s.limit ? limitLabel : undefined));
    this.root = chartRow(this.charts);
  }

  update(m: MetricsJson, g: GroupJson, windowLabel: string): void {
    for (const c of this.charts) c.update(m.times, m.since, g, windowLabel);
  }
}

const tokensWithLimit: ChartSpec = { ...CHARTS.tokens, limit: (g) => (g as DeploymentJson).limit?.tokensPerMin ?? null };

export class PoolView {
  readonly root: HTMLElement;
  private readonly figures = new Figures();
  private readonly set = new ChartSet('the pool, as clients see it', [CHARTS.requests, CHARTS.tokens, CHARTS.throttles, CHARTS.latency]);

  constructor() {
    this.root = h('section', { class: 'pool', 'aria-labelledby': 'pool-h' },
      h('h2', { id: 'pool-h' }, 'Pool, as clients see it'),
      h('p', { class: 'hint' }, '429s here reached a client: the pool had no backend left to fail over to.'),
      this.figures.root, this.set.root);
  }

  charts(): Chart[] {
    return this.set.charts;
  }

  update(m: MetricsJson, windowLabel: string): void {
    groupFigures(this.figures, m.pool);
    this.set.update(m, m.pool, windowLabel);
  }
}

class DeploymentView {
  readonly root: HTMLElement;
  private readonly figures = new Figures();
  private readonly status = h('span', { class: 'badge' });
  private readonly quiet = h('p', { class: 'hint' });
  readonly set: ChartSet;

  constructor(backend: string, d: DeploymentJson) {
    const name = d.alias && d.alias !== d.deployment ? `${d.deployment} (alias ${d.alias})` : d.deployment;
    this.set = new ChartSet(`${backend} ${d.deployment}`, [CHARTS.requests, tokensWithLimit, CHARTS.throttles, CHARTS.latency], 'limit');
    this.root = h('section', { class: 'deployment', 'data-deployment': d.deployment },
      h('h4', {}, h('span', { class: 'name' }, name === '*' ? 'any deployment' : name), ' ', this.status), this.figures.root, this.quiet, this.set.root);
  }

  update(m: MetricsJson, d: DeploymentJson, windowLabel: string): void {
    // Four flat charts say less than one sentence: charts appear with the first request in the window.
    const idle = !d.series || d.series.requestsPerSec.every((v) => v === 0);
    this.quiet.hidden = !idle;
    this.set.root.hidden = idle;
    setText(this.quiet, idle ? `No requests in the ${windowLabel}.` : '');
    const until = fmtUntil(d.cooldownUntil, m.now);
    setText(this.status, d.status === 'cooling' && until ? `cooling down, ${until} more` : STATUS_TEXT[d.status] ?? d.status);
    setAttr(this.status, 'data-status', d.status);
    groupFigures(this.figures, d, d.limit, d.usedTokensPerMin);
    this.set.update(m, d, windowLabel);
  }
}

export class BackendView {
  readonly root: HTMLElement;
  private readonly badge = h('span', { class: 'badge' });
  private readonly reason = h('p', { class: 'reason' });
  private readonly meta = h('span', { class: 'meta' });
  private readonly figures = new Figures();
  private readonly deploymentsBox = h('div', { class: 'deployments' });
  private readonly deployments = new Map<string, DeploymentView>();

  constructor(readonly name: string) {
    const id = `backend-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    this.root = h('article', { class: 'backend', 'aria-labelledby': id, 'data-backend': name },
      h('header', {}, h('h3', { id }, name), this.badge, this.meta), this.reason, this.figures.root, this.deploymentsBox);
  }

  charts(): Chart[] {
    return [...this.deployments.values()].flatMap((d) => d.set.charts);
  }

  update(m: MetricsJson, b: BackendJson, windowLabel: string): Chart[] {
    const rest = Math.max(b.cooldownUntil, b.ejectedUntil);
    const until = fmtUntil(rest, m.now);
    setText(this.badge, STATUS_TEXT[b.status] ?? b.status);
    setAttr(this.badge, 'data-status', b.status);
    setAttr(this.root, 'data-status', b.status);
    setText(this.meta, b.status === 'other' ? '' : `priority ${b.priority} · weight ${b.weight}`);
    const resting = b.deployments.filter((d) => d.status !== 'healthy' && d.status !== 'unknown').map((d) => `${d.deployment} ${STATUS_TEXT[d.status]}`);
    const why = b.reason ? `${b.reason}${until ? ` · back in ${until}` : ''}`
      : b.status === 'healthy' || b.status === 'unknown' ? (resting.length ? `taking traffic, except: ${resting.join(', ')}` : 'taking traffic') : '';
    setText(this.reason, why);
    groupFigures(this.figures, b);
    const added: Chart[] = [];
    const seen = new Set<string>();
    for (const d of b.deployments) {
      seen.add(d.deployment);
      let view = this.deployments.get(d.deployment);
      if (!view) {
        view = new DeploymentView(b.name, d);
        this.deployments.set(d.deployment, view);
        this.deploymentsBox.append(view.root);
        added.push(...view.set.charts);
      }
      view.update(m, d, windowLabel);
    }
    for (const [key, view] of this.deployments) {
      if (seen.has(key)) continue;
      for (const c of view.set.charts) c.destroy();
      view.root.remove();
      this.deployments.delete(key);
    }
    return added;
  }

  destroy(): void {
    for (const c of this.charts()) c.destroy();
    this.root.remove();
  }
}
