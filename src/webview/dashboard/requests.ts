/**
 * The recent requests, newest first: alias, backend, status, attempts, time,
 * tokens. One row is in the tab order at a time (a roving tabindex): arrow
 * keys, Home and End move between rows, Enter or Space (or a click) shows
 * the row's routing timeline. New rows arrive at the top without moving the
 * focus.
 */
import type { RequestRecord } from '../../core/events';
import { h } from './dom';
import { fmtClock, fmtCount, fmtMs, NONE } from './format';

const KEEP = 200;

export class RequestsTable {
  readonly root: HTMLElement;
  private readonly body = h('tbody');
  private readonly empty = h('p', { class: 'hint' }, 'No requests yet. Point a client at the pool and they show here as they happen.');
  private readonly records = new Map<string, RequestRecord>();
  private selected: string | undefined;

  constructor(private readonly onOpen: (r: RequestRecord) => void) {
    const head = h('thead', {}, h('tr', {},
      ...['Time', 'Alias', 'Backend', 'Status', 'Attempts', 'Time taken', 'Tokens'].map((t) => h('th', { scope: 'col' }, t))));
    const table = h('table', { class: 'requests', 'aria-label': 'Recent requests: Enter shows the routing timeline of the selected one' },
      head, this.body);
    this.root = h('div', { class: 'table-wrap' }, table, this.empty);
    this.body.addEventListener('click', (e) => {
      const row = (e.target as Element).closest('tr');
      if (row) this.open(row as HTMLTableRowElement, true);
    });
    this.body.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Newest first. `reset` drops the rows the table has. */
  add(records: RequestRecord[], reset: boolean): void {
    if (reset) {
      this.body.replaceChildren();
      this.records.clear();
    }
    const rows = document.createDocumentFragment();
    for (const r of records) {
      if (this.records.has(r.id)) continue;
      this.records.set(r.id, r);
      rows.append(this.row(r));
    }
    this.body.prepend(rows);
    while (this.body.rows.length > KEEP) {
      const last = this.body.rows[this.body.rows.length - 1]!;
      this.records.delete(last.dataset.id!);
      last.remove();
    }
    this.empty.hidden = this.body.rows.length > 0;
    // Exactly one row is tabbable: the selected one, else the newest.
    const focusable = this.body.querySelector('tr[tabindex="0"]');
    if (!focusable && this.body.rows[0]) this.body.rows[0].tabIndex = 0;
  }

  private row(r: RequestRecord): HTMLTableRowElement {
    const cls = r.status >= 500 || (r.error && r.status < 400) ? 'error' : r.status === 429 ? 'throttled' : r.status >= 400 ? 'warn' : 'ok';
    const tokens = r.tokens ? fmtCount(r.tokens.total) : NONE;
    const label = `Request ${r.id} at ${fmtClock(r.at)}: ${r.alias ?? 'no alias'}, ${r.backend ?? 'answered by the pool'}, status ${r.status}, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, ${fmtMs(r.ms)}${r.error ? `, ${r.error}` : ''}`;
    return h('tr', { tabindex: -1, 'data-id': r.id, 'aria-label': label, class: `status-${cls}` },
      h('td', {}, fmtClock(r.at)),
      h('td', {}, r.alias ?? NONE),
      h('td', {}, r.backend ?? 'pool'),
      h('td', { class: 'status' }, String(r.status), r.error ? h('span', { class: 'err', title: r.error }, ' !') : undefined),
      h('td', { class: 'num' }, String(r.attempts)),
      h('td', { class: 'num' }, fmtMs(r.ms)),
      h('td', { class: 'num' }, tokens),
    );
  }

  private onKey(e: KeyboardEvent): void {
    const row = (e.target as Element).closest('tr') as HTMLTableRowElement | null;
    if (!row) return;
    const rows = [...this.body.rows];
    const i = rows.indexOf(row);
    let next: HTMLTableRowElement | undefined;
    switch (e.key) {
      case 'ArrowDown': next = rows[i + 1]; break;
      case 'ArrowUp': next = rows[i - 1]; break;
      case 'Home': next = rows[0]; break;
      case 'End': next = rows[rows.length - 1]; break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.open(row, false);
        return;
      default:
        return;
    }
    e.preventDefault();
    if (next) this.focus(next);
  }

  private focus(row: HTMLTableRowElement): void {
    for (const r of this.body.querySelectorAll('tr[tabindex="0"]')) (r as HTMLElement).tabIndex = -1;
    row.tabIndex = 0;
    row.focus();
  }

  private open(row: HTMLTableRowElement, byPointer: boolean): void {
    const r = this.records.get(row.dataset.id ?? '');
    if (!r) return;
    for (const s of this.body.querySelectorAll('tr[aria-current]')) s.removeAttribute('aria-current');
    row.setAttribute('aria-current', 'true');
    this.selected = r.id;
    if (byPointer) this.focus(row);
    this.onOpen(r);
  }

  /** The id of the request whose timeline is shown. */
  get selectedId(): string | undefined {
    return this.selected;
  }
}
