/**
 * The "Backends" tree. It owns its TreeView, emitter and timers. Health
 * events refresh only the node they concern, batched every 250 ms; a full
 * refresh happens only when the set of backends may have changed. While
 * something counts down, those nodes (and only they) redraw once a second.
 */
import * as vscode from 'vscode';
import type { BackendSnapshot, Redactor } from '../../core';
import { configAliasMembers, interchangeabilityWarnings } from '../../core/config';
import { VIEW_ID, aliasWarningMap, demoViewMessage, hasCountdown, type BackendItemOptions } from '../../core/view';
import type { EntraAuth } from '../auth';
import type { PoolController } from '../controller';
import type { Secrets } from '../secrets';
import { BackendNode, MessageNode, type PoolNode } from './nodes';

const DEBOUNCE_MS = 250;
const MAX_ERROR_NODES = 20;

export interface TreeItemView {
  id: string | undefined;
  label: string;
  description: string | undefined;
  contextValue: string | undefined;
  tooltip: string | undefined;
  iconId: string | undefined;
  /** The icon's theme colour id (undefined: the default foreground). */
  colorId: string | undefined;
  /** The TreeItem object's identity across redraws: the same number while VS Code keeps the same item (issue 13, item 2). */
  itemSerial: number;
  children: TreeItemView[];
}

export class PoolTreeView implements vscode.TreeDataProvider<PoolNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<PoolNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  readonly view: vscode.TreeView<PoolNode>;
  private backends = new Map<string, BackendNode>();
  private messages: MessageNode[] = [];
  private readonly latest = new Map<string, BackendSnapshot>();
  private readonly pending = new Set<string>();
  private full = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  /** Backends that showed a countdown at the last draw: redrawn by the ticker, once more after it ends. */
  private counting = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly controller: PoolController,
    private readonly secrets: Secrets,
    private readonly auth: EntraAuth,
    private readonly redactor: Redactor,
  ) {
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    const full = () => {
      this.full = true;
      this.schedule();
    };
    this.subscriptions = [
      this.view,
      controller.onDidChangeBackend((s) => {
        this.latest.set(s.name, s);
        this.pending.add(s.name);
        this.schedule();
      }),
      controller.onDidChangePool(full),
      controller.onDidChangeState(full),
      auth.onDidChange(full),
      secrets.onDidChange(full),
    ];
    this.rebuild();
  }

  getTreeItem(node: PoolNode): vscode.TreeItem {
    return node.treeItem;
  }

  getChildren(node?: PoolNode): PoolNode[] {
    if (!node) return [...this.messages, ...[...this.backends.values()].sort(byPriorityThenName)];
    return node.kind === 'backend' ? node.children : [];
  }

  getParent(node: PoolNode): PoolNode | undefined {
    return node.parent;
  }

  /** The tree as plain data, as VS Code would render it (for the test API). */
  snapshot(): TreeItemView[] {
    const view = (n: PoolNode): TreeItemView => {
      const t = n.treeItem;
      return {
        id: t.id,
        label: typeof t.label === 'string' ? t.label : (t.label?.label ?? ''),
        description: typeof t.description === 'string' ? t.description : undefined,
        contextValue: t.contextValue,
        tooltip: typeof t.tooltip === 'string' ? t.tooltip : t.tooltip?.value,
        iconId: t.iconPath instanceof vscode.ThemeIcon ? t.iconPath.id : undefined,
        colorId: t.iconPath instanceof vscode.ThemeIcon ? t.iconPath.color?.id : undefined,
        itemSerial: serialOf(t),
        children: this.getChildren(n).map(view),
      };
    };
    return this.getChildren().map(view);
  }

  /** Applies pending changes now instead of after the debounce (for tests). */
  flushNow(): void {
    this.flush();
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    clearInterval(this.ticker);
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }

  private schedule(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), DEBOUNCE_MS);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.full || [...this.pending].some((n) => !this.backends.has(n))) {
      this.rebuild();
      return;
    }
    const now = Date.now();
    for (const name of this.pending) this.redraw(this.backends.get(name)!, this.latest.get(name)!, now);
    this.pending.clear();
    this.syncTicker();
  }

  /** Fires only for the nodes that look different, so an unchanged row (and its open hover) is left alone. */
  private redraw(node: BackendNode, s: BackendSnapshot, now: number): void {
    const changed = node.update(s, this.options(s, now));
    if (hasCountdown(s, now)) this.counting.add(s.name);
    for (const n of changed) this.emitter.fire(n);
  }

  /** Full refresh, keeping node objects (and so expansion) of backends that remain. */
  private rebuild(): void {
    this.full = false;
    this.pending.clear();
    this.latest.clear();
    const now = Date.now();
    const next = new Map<string, BackendNode>();
    for (const s of this.controller.snapshots()) {
      const node = this.backends.get(s.name);
      if (node) node.update(s, this.options(s, now));
      next.set(s.name, node ?? new BackendNode(s, this.options(s, now)));
    }
    this.backends = next;
    this.messages = this.messageNodes();
    this.counting = new Set([...next.values()].filter((n) => hasCountdown(n.snapshot, now)).map((n) => n.name));
    this.decorateView();
    this.emitter.fire(undefined);
    this.syncTicker();
  }

  private messageNodes(): MessageNode[] {
    const state = this.controller.current;
    const out = state.configErrors.slice(0, MAX_ERROR_NODES).map((issue, i) => MessageNode.configIssue(issue, i));
    const needsEntra = !state.simulated && [...this.backends.values()].some((n) => n.snapshot.auth === 'entra' && n.snapshot.enabled);
    if (needsEntra && this.auth.state === 'signedOut') out.push(MessageNode.signIn());
    return out;
  }

  private decorateView(): void {
    const s = this.controller.current;
    const port = s.port ? `:${s.port}` : '';
    this.view.description = {
      running: `${port}${s.simulated ? ' simulated' : ''}`,
      starting: 'starting…',
      elsewhere: `${port} (other window)`,
      failed: 'not running',
      stopped: 'stopped',
    }[s.status];
    this.view.message = s.status === 'failed' && s.lastError
      ? `Could not start: ${s.lastError}`
      : s.simulated ? demoViewMessage(this.controller.settingsConfig?.backends.length ?? 0) : undefined;
  }

  private syncTicker(): void {
    const needed = this.counting.size > 0;
    if (needed && !this.ticker) this.ticker = setInterval(() => this.tick(), 1000);
    if (!needed && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private tick(): void {
    const now = Date.now();
    const fresh = new Map(this.controller.snapshots().map((s) => [s.name, s]));
    const names = [...this.counting];
    this.counting.clear();
    for (const name of names) {
      const node = this.backends.get(name);
      if (node) this.redraw(node, fresh.get(name) ?? node.snapshot, now);
    }
    this.syncTicker();
  }

  private options(b: BackendSnapshot, now: number): BackendItemOptions {
    const s = this.controller.current;
    // Following another window's pool (issue 13): its backends are live too.
    // A key counts only for this endpoint (issue 9): one entered for another endpoint is not "set" here.
    return { now, running: s.status === 'running' || s.status === 'elsewhere', simulated: s.simulated, hasKey: this.secrets.hasApiKey(b.name, b.endpoint), mask: (t) => this.redactor.mask(t), aliasWarnings: this.aliasWarnings() };
  }

  /** Aliases whose members are not interchangeable, from the config the pool runs (or would run). */
  private aliasWarnings(): ReadonlyMap<string, string> {
    const config = this.controller.proxyServer?.config ?? this.controller.settingsConfig;
    return aliasWarningMap(config ? interchangeabilityWarnings(configAliasMembers(config.backends)) : []);
  }
}

const serials = new WeakMap<object, number>();
let nextSerial = 1;

function serialOf(o: object): number {
  let n = serials.get(o);
  if (n === undefined) serials.set(o, (n = nextSerial++));
  return n;
}

function byPriorityThenName(a: BackendNode, b: BackendNode): number {
  return a.snapshot.priority - b.snapshot.priority || a.name.localeCompare(b.name);
}
