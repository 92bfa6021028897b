/**
 * The dashboard page. It computes nothing about the pool: it draws what the
 * extension host posts, which is the text of /_pool/metrics and
 * /_pool/requests. It asks for data once when it loads ("ready"); the host
 * then pushes about once a second while the panel is visible.
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import type { RequestRecord } from '../../core/events';
import type { MetricsJson } from '../../core/metrics/report';
import type { DashboardState, HostMessage, PageMessage } from '../../core/view/dashboard';
import { BackendView, PoolView } from './backends';
import type { Chart } from './charts';
import { h, setText } from './dom';
import { RequestsTable } from './requests';
import { TimelineView } from './timeline';

interface VsCodeApi {
  postMessage(m: PageMessage): void;
  getState(): { windowSec?: number } | undefined;
  setState(s: { windowSec: number }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const WINDOWS: [number, string][] = [[300, 'last 5 minutes'], [900, 'last 15 minutes']];

class App {
  private windowSec = api.getState()?.windowSec ?? 900;
  private readonly status = h('p', { class: 'state', role: 'status' });
  private readonly problem = h('p', { class: 'problem', role: 'alert', hidden: true });
  private readonly idle: HTMLElement;
  private readonly live: HTMLElement;
  private readonly pool = new PoolView();
  private readonly backendsBox = h('div', { class: 'backends' });
  private readonly backends = new Map<string, BackendView>();
  private readonly timeline = new TimelineView();
  private readonly requests = new RequestsTable((r) => this.timeline.show(r, true));
  private resizeQueued = false;

  constructor(root: HTMLElement) {
    const select = h('select', { id: 'window' }, ...WINDOWS.map(([s, label]) => h('option', { value: s, selected: s === this.windowSec }, label)));
    select.addEventListener('change', () => {
      this.windowSec = Number(select.value);
      api.setState({ windowSec: this.windowSec });
      api.postMessage({ type: 'window', seconds: this.windowSec });
    });
    this.idle = h('section', { class: 'idle', hidden: true },
      h('p', {}, 'The proxy is not running, so there is nothing to show yet.'),
      h('div', { class: 'buttons' },
        button('Start Proxy', 'aoaiPool.startProxy'),
        button('Try with Simulated Backends', 'aoaiPool.trySimulated', true),
        button('Add Backend', 'aoaiPool.addBackend', true)));
    this.live = h('div', { class: 'live' },
      this.pool.root,
      h('section', { class: 'backends-section', 'aria-labelledby': 'backends-h' }, h('h2', { id: 'backends-h' }, 'Backends'), this.backendsBox),
      h('section', { class: 'requests-section', 'aria-labelledby': 'requests-h' },
        h('h2', { id: 'requests-h' }, 'Recent requests'),
        h('div', { class: 'split' }, this.requests.root, this.timeline.root)));
    root.replaceChildren(
      h('header', { class: 'top' }, h('h1', {}, 'AOAI Pool'), this.status,
        h('div', { class: 'controls' }, h('label', { for: 'window' }, 'History'), select)),
      this.problem, this.idle, this.live);
    root.removeAttribute('aria-busy');
    new ResizeObserver(() => this.queueResize()).observe(root);
    // VS Code swaps the body's theme class when the user changes theme: draw again in the new colours.
    new MutationObserver(() => {
      for (const c of this.charts()) c.restyle();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
      if (e.data?.type === 'update') this.update(e.data);
    });
    if (this.windowSec !== 900) api.postMessage({ type: 'window', seconds: this.windowSec });
    api.postMessage({ type: 'ready' });
  }

  private update(m: HostMessage): void {
    setText(this.status, stateText(m.state));
    this.problem.hidden = !m.error;
    setText(this.problem, m.error ? `Cannot read the pool's numbers: ${m.error}` : '');
    const running = m.state.source !== 'none';
    this.idle.hidden = running;
    this.live.hidden = !running;
    if (m.metrics) this.draw(JSON.parse(m.metrics) as MetricsJson);
    if (m.requests !== undefined || m.reset) {
      const list = m.requests ? (JSON.parse(m.requests) as { requests: RequestRecord[] }).requests : [];
      this.requests.add(list, m.reset);
    }
  }

  private draw(m: MetricsJson): void {
    const label = WINDOWS.find(([s]) => s === this.windowSec)?.[1] ?? 'recent minutes';
    this.pool.update(m, label);
    const seen = new Set<string>();
    let added = false;
    for (const b of m.backends) {
      seen.add(b.name);
      let view = this.backends.get(b.name);
      if (!view) {
        view = new BackendView(b.name);
        this.backends.set(b.name, view);
        this.backendsBox.append(view.root);
        added = true;
      }
      if (view.update(m, b, label).length) added = true;
    }
    for (const [name, view] of this.backends) {
      if (seen.has(name)) continue;
      view.destroy();
      this.backends.delete(name);
    }
    if (added) this.queueResize();
  }

  private charts(): Chart[] {
    return [...this.pool.charts(), ...[...this.backends.values()].flatMap((b) => b.charts())];
  }

  private queueResize(): void {
    if (this.resizeQueued) return;
    this.resizeQueued = true;
    requestAnimationFrame(() => {
      this.resizeQueued = false;
      for (const c of this.charts()) c.resize();
    });
  }
}

function button(label: string, command: string, secondary = false): HTMLButtonElement {
  const b = h('button', { type: 'button', class: secondary ? 'secondary' : undefined }, label);
  b.addEventListener('click', () => api.postMessage({ type: 'run', command }));
  return b;
}

function stateText(s: DashboardState): string {
  const sim = s.simulated ? ' (simulated backends)' : '';
  switch (s.status) {
    case 'running': return `Serving ${s.url}${sim}`;
    case 'elsewhere': return `Another window serves ${s.url}; these are its numbers`;
    case 'starting': return 'Starting…';
    case 'failed': return 'The proxy failed to start';
    default: return 'Stopped';
  }
}

new App(document.getElementById('app')!);
