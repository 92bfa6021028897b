// One activation of the bundled extension, outside VS Code: a stand-in `vscode`
// module answers the calls activate() makes (settings at their defaults, no
// backends: the first run of a new user). Prints how long loading the bundle
// and activate() took, as JSON. Used by scripts/activation/measure.mjs; run it
// in a fresh process each time, or the second load is free.
//   node scripts/activation/probe.cjs dist/extension.js
'use strict';
const Module = require('node:module');
const path = require('node:path');

const noop = () => undefined;
const disposable = () => ({ dispose: noop });
const event = () => disposable;

class EventEmitter {
  constructor() {
    this.event = () => disposable();
  }
  fire() {}
  dispose() {}
}
class Plain {
  constructor(...args) {
    this.args = args;
  }
}
const uri = (p) => ({ fsPath: p, path: p, scheme: 'file', toString: () => `file://${p}`, with: () => uri(p) });

const vscode = {
  version: '1.139.0',
  EventEmitter,
  Disposable: class { static from() { return disposable(); } constructor(f) { this.dispose = f; } },
  ThemeColor: Plain, ThemeIcon: Plain, MarkdownString: Plain, TreeItem: Plain, Range: Plain, WorkspaceEdit: Plain,
  CancellationError: class extends Error {},
  Uri: { file: uri, joinPath: (u, ...p) => uri(path.join(u.fsPath, ...p)), from: (c) => uri(c.path ?? '/'), parse: (s) => uri(s) },
  StatusBarAlignment: { Left: 1, Right: 2 },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ExtensionMode: { Production: 1, Development: 2, Test: 3 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  QuickInputButtons: { Back: {} },
  env: { clipboard: { writeText: async () => undefined }, uiKind: 1, remoteName: undefined, machineId: 'probe' },
  commands: { registerCommand: disposable, executeCommand: async () => undefined },
  workspace: {
    getConfiguration: () => ({ get: (_k, d) => d, inspect: () => undefined, has: () => false, update: async () => undefined }),
    onDidChangeConfiguration: event(), onDidGrantWorkspaceTrust: event(), isTrusted: true, workspaceFolders: undefined,
    registerTextDocumentContentProvider: disposable,
  },
  window: {
    createOutputChannel: (name) => ({
      name, logLevel: 2, onDidChangeLogLevel: event(), trace: noop, debug: noop, info: noop, warn: noop, error: noop,
      append: noop, appendLine: noop, replace: noop, clear: noop, show: noop, hide: noop, dispose: noop,
    }),
    createStatusBarItem: () => ({ show: noop, hide: noop, dispose: noop }),
    createTreeView: () => ({ dispose: noop, onDidChangeVisibility: event(), onDidExpandElement: event(), onDidCollapseElement: event(), visible: true }),
    showErrorMessage: async () => undefined, showInformationMessage: async () => undefined, showWarningMessage: async () => undefined,
    setStatusBarMessage: disposable,
  },
  authentication: { onDidChangeSessions: event(), getSession: async () => undefined },
  // The language model provider API (VS Code 1.104+): registered at activation, asked nothing until a chat.
  lm: { registerLanguageModelChatProvider: disposable, onDidChangeChatModels: event(), selectChatModels: async () => [] },
  l10n: { t: (s) => s },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};

const context = {
  subscriptions: [],
  extensionMode: 1,
  extensionUri: uri(process.cwd()),
  extensionPath: process.cwd(),
  secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: event() },
  environmentVariableCollection: { replace: noop, append: noop, prepend: noop, delete: noop, clear: noop, get: noop, forEach: noop, persistent: false, description: '' },
  globalState: { get: (_k, d) => d, update: async () => undefined, keys: () => [] },
  workspaceState: { get: (_k, d) => d, update: async () => undefined, keys: () => [] },
};

(async () => {
  const file = path.resolve(process.argv[2] ?? 'dist/extension.js');
  const t0 = performance.now();
  const ext = require(file);
  const t1 = performance.now();
  await ext.activate(context);
  const t2 = performance.now();
  for (const d of context.subscriptions) d?.dispose?.();
  process.stdout.write(`${JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1, totalMs: t2 - t0 })}\n`);
  // Nothing may keep the process alive: activation must not start timers or sockets for an empty pool.
  setTimeout(() => process.exit(0), 0).unref();
})().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
