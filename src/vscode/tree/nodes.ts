/**
 * Tree nodes. Each carries `kind` and `parent` and builds its TreeItem from
 * the pure model in core/view. Backend nodes are long-lived and updated in
 * place, so a per-node refresh finds the same object and VS Code keeps the
 * expansion state (the id is the backend name).
 */
import * as vscode from 'vscode';
import type { BackendSnapshot, ConfigIssue } from '../../core';
import { backendItem, deploymentItem, describeSettingIssue, escapeMarkdown, settingsQueryForIssue, type BackendItemOptions, type TreeItemModel } from '../../core/view';

export type PoolNode = BackendNode | DeploymentNode | MessageNode;

export class BackendNode {
  readonly kind = 'backend';
  readonly parent = undefined;
  snapshot!: BackendSnapshot;
  model!: TreeItemModel;
  /** One TreeItem for the node's life, changed in place (issue 13, item 2): see `applyModel`. */
  readonly treeItem: vscode.TreeItem;
  children: DeploymentNode[] = [];

  constructor(snapshot: BackendSnapshot, opts: BackendItemOptions) {
    this.treeItem = new vscode.TreeItem(snapshot.name);
    this.treeItem.id = snapshot.name;
    this.update(snapshot, opts);
  }

  get name(): string {
    return this.snapshot.name;
  }

  /**
   * Takes a new snapshot. Returns which nodes now look different: none, this
   * node (its row or its set of children changed), or some of its children.
   */
  update(snapshot: BackendSnapshot, opts: BackendItemOptions): PoolNode[] {
    this.snapshot = snapshot;
    this.model = backendItem(snapshot, opts);
    const state = snapshot.deployments.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    let changed = applyModel(this.treeItem, this.model);
    // Only a change between none and some deployments touches the collapsible state (which would collapse an open node).
    if ((this.treeItem.collapsibleState === vscode.TreeItemCollapsibleState.None) !== (state === vscode.TreeItemCollapsibleState.None)) {
      this.treeItem.collapsibleState = state;
      changed = true;
    }
    const old = new Map(this.children.map((c) => [c.model.label, c]));
    const changedChildren: PoolNode[] = [];
    const sameSet = old.size === snapshot.deployments.length && snapshot.deployments.every((d) => old.has(d.alias));
    this.children = snapshot.deployments.map((d) => {
      const model = deploymentItem(d, snapshot, opts);
      const node = old.get(d.alias);
      if (!node) return new DeploymentNode(this, model);
      if (node.update(model)) changedChildren.push(node);
      return node;
    });
    if (changed || !sameSet) return [this];
    return changedChildren;
  }
}

export class DeploymentNode {
  readonly kind = 'deployment';
  readonly treeItem: vscode.TreeItem;
  model: TreeItemModel;

  constructor(
    readonly parent: BackendNode,
    model: TreeItemModel,
  ) {
    this.model = model;
    this.treeItem = new vscode.TreeItem(model.label, vscode.TreeItemCollapsibleState.None);
    // Names cannot contain "/", so this never collides with a backend id.
    this.treeItem.id = `${parent.name}/${model.label}`;
    applyModel(this.treeItem, model);
  }

  /** True when the row looks different now. */
  update(model: TreeItemModel): boolean {
    this.model = model;
    return applyModel(this.treeItem, model);
  }
}

/** Not a backend: a settings problem, or "Sign in to Azure". Shown instead of throwing. */
export class MessageNode {
  readonly parent = undefined;

  constructor(
    readonly kind: 'error' | 'signIn',
    readonly treeItem: vscode.TreeItem,
  ) {}

  static configIssue(issue: ConfigIssue, index: number): MessageNode {
    const item = new vscode.TreeItem(issue.path ? `aoaiPool.${issue.path}` : 'settings', vscode.TreeItemCollapsibleState.None);
    // ":" never appears in backend names.
    item.id = `error:${index}`;
    item.description = issue.message;
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    item.tooltip = new vscode.MarkdownString(`${escapeMarkdown(describeSettingIssue(issue))}\n\nThe last good pool keeps serving until this is fixed. Click to open the setting.`);
    item.contextValue = ';configError;';
    item.command = { command: 'workbench.action.openSettings', title: 'Open Setting', arguments: [settingsQueryForIssue(issue)] };
    return new MessageNode('error', item);
  }

  static signIn(): MessageNode {
    const item = new vscode.TreeItem('Sign in to Azure', vscode.TreeItemCollapsibleState.None);
    item.id = 'signIn:';
    item.description = 'needed by Entra ID backends';
    item.iconPath = new vscode.ThemeIcon('sign-in', new vscode.ThemeColor('list.warningForeground'));
    item.tooltip = 'Backends with "auth": "entra" use a token of your Microsoft account. Click to sign in.';
    item.contextValue = ';signIn;';
    item.command = { command: 'aoaiPool.signIn', title: 'Sign in to Azure' };
    return new MessageNode('signIn', item);
  }
}

/**
 * Copies a model onto a TreeItem, touching only what differs; true when
 * anything did. Issue 13, item 2: a redraw used to replace the TreeItem every
 * second while something counted down, and VS Code closed an open hover with
 * it. Now a tick changes the description alone, and the tooltip object stays
 * the same while its text does (tooltips hold no countdowns, only clock times).
 */
function applyModel(item: vscode.TreeItem, m: TreeItemModel): boolean {
  let changed = false;
  if (item.description !== m.description) {
    item.description = m.description;
    changed = true;
  }
  const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath : undefined;
  if (icon?.id !== m.iconId || icon.color?.id !== m.colorId) {
    item.iconPath = new vscode.ThemeIcon(m.iconId, m.colorId ? new vscode.ThemeColor(m.colorId) : undefined);
    changed = true;
  }
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip : undefined;
  if (tooltip?.value !== m.tooltipMarkdown) {
    // true: $(warning) in an alias warning renders as the icon.
    item.tooltip = new vscode.MarkdownString(m.tooltipMarkdown, true);
    changed = true;
  }
  if (item.contextValue !== m.contextValue) {
    item.contextValue = m.contextValue;
    changed = true;
  }
  return changed;
}
