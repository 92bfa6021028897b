/**
 * Tree nodes. Each carries `kind` and `parent` and builds its TreeItem from
 * the pure model in core/view. Backend nodes are long-lived and updated in
 * place, so a per-node refresh finds the same object and VS Code keeps the
 * expansion state (the id is the backend name).
 */
import * as vscode from 'vscode';
import type { BackendSnapshot, ConfigIssue } from '../../core';
import { backendItem, deploymentItem, describeSettingIssue, escapeMarkdown, settingForIssue, type BackendItemOptions, type TreeItemModel } from '../../core/view';

export type PoolNode = BackendNode | DeploymentNode | MessageNode;

export class BackendNode {
  readonly kind = 'backend';
  readonly parent = undefined;
  snapshot!: BackendSnapshot;
  model!: TreeItemModel;
  treeItem!: vscode.TreeItem;
  children: DeploymentNode[] = [];

  constructor(snapshot: BackendSnapshot, opts: BackendItemOptions) {
    this.update(snapshot, opts);
  }

  get name(): string {
    return this.snapshot.name;
  }

  update(snapshot: BackendSnapshot, opts: BackendItemOptions): void {
    this.snapshot = snapshot;
    this.model = backendItem(snapshot, opts);
    const state = snapshot.deployments.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    this.treeItem = toTreeItem(this.model, snapshot.name, state);
    this.children = snapshot.deployments.map((d) => new DeploymentNode(this, deploymentItem(d, snapshot, opts)));
  }
}

export class DeploymentNode {
  readonly kind = 'deployment';
  readonly treeItem: vscode.TreeItem;

  constructor(
    readonly parent: BackendNode,
    readonly model: TreeItemModel,
  ) {
    // Names cannot contain "/", so this never collides with a backend id.
    this.treeItem = toTreeItem(model, `${parent.name}/${model.label}`, vscode.TreeItemCollapsibleState.None);
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
    const setting = settingForIssue(issue);
    const item = new vscode.TreeItem(issue.path ? `aoaiPool.${issue.path}` : 'settings', vscode.TreeItemCollapsibleState.None);
    // ":" never appears in backend names.
    item.id = `error:${index}`;
    item.description = issue.message;
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    item.tooltip = new vscode.MarkdownString(`${escapeMarkdown(describeSettingIssue(issue))}\n\nThe last good pool keeps serving until this is fixed. Click to open the setting.`);
    item.contextValue = ';configError;';
    item.command = { command: 'workbench.action.openSettings', title: 'Open Setting', arguments: [setting] };
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

function toTreeItem(m: TreeItemModel, id: string, state: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(m.label, state);
  item.id = id;
  item.description = m.description;
  item.iconPath = new vscode.ThemeIcon(m.iconId, m.colorId ? new vscode.ThemeColor(m.colorId) : undefined);
  // true: $(warning) in an alias warning renders as the icon.
  item.tooltip = new vscode.MarkdownString(m.tooltipMarkdown, true);
  item.contextValue = m.contextValue;
  return item;
}
