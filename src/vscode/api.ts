/**
 * What activate() returns: enough for integration tests to drive and observe
 * the extension through VS Code's own `extension.exports`. Accessors that
 * reach secrets (the client key, the proxy and its credentials, the terminal
 * variables) exist only in Development and Test extension modes: in
 * production any extension could read `exports`.
 */
import * as vscode from 'vscode';
import type { StopMarks } from '../core/peer/stopMarks';
import type { BackendSnapshot, ProxyServer, TokenCredentialLike } from '../core';
import type { SimulatedBackend } from '../core/simulator';
import type { PoolState, SettingMove, StatusBarModel } from '../core/view';
import type { ApprovalResponder, WorkspaceApproval } from './approval';
import type { EntraAuth, SignInState } from './auth';
import type { PoolController } from './controller';
import type { ShellLog } from './log';
import type { PoolStatusBar } from './statusBar';
import type { TerminalEnvironment } from './terminalEnv';
import type { PoolTreeView, TreeItemView } from './tree/view';
import { setTestPrompter, type Prompter } from './discover/prompts';
import { recentNotifications, setConfirmResponder, type ShownNotification } from './notify';
import type { RoleHintRecord, RoleHints } from './roleHint';

export interface AoaiPoolApi {
  readonly apiVersion: 1;
  /** Run state: status, `http://127.0.0.1:PORT`, simulated, settings errors, last start error. */
  state(): PoolState;
  readonly onDidChangeState: vscode.Event<PoolState>;
  /** Settles once queued starts, stops, reloads and settings changes are done. */
  whenIdle(): Promise<void>;
  /** Live backend snapshots while running; from settings and SecretStorage while stopped. */
  snapshots(): BackendSnapshot[];
  /** The Backends tree as rendered, after applying any debounced update. */
  tree(): TreeItemView[];
  statusBar(): StatusBarModel;
  signInState(): SignInState;
  /** Development/Test mode only. */
  proxy?(): ProxyServer | undefined;
  simulators?(): readonly SimulatedBackend[];
  clientKey?(): Promise<string>;
  /** The variables new terminals get (holds the client key). */
  terminalEnvironment?(): Record<string, string>;
  /** The dashboard panel: open, how many updates it posted, whether its refresh timer runs. */
  dashboard?(): Promise<{ open: boolean; updates: number; timerRunning: boolean }>;
  /** The last lines of the "AOAI Pool" output channel, masked. */
  logLines?(): readonly string[];
  /** "Add Backends from Azure…": answer its questions from a script (undefined: the real quick picks again). */
  setDiscoveryPrompter?(p: Prompter | undefined): void;
  /** The role-assignment hints shown after an Entra 403, in order. */
  roleHints?(): readonly RoleHintRecord[];
  /**
   * Answers workspace-approval prompts instead of the modal (undefined: the
   * modal again). Test mode only: in production nobody but the user approves.
   */
  setApprovalResponder?(responder: ApprovalResponder | undefined): void;
  /** Forgets this workspace's approvals and the prompts shown (test reset). */
  forgetApprovals?(): Promise<void>;
  /** Entra tokens from this credential instead of the sign-in (undefined: the sign-in again); the test hosts have none. */
  useTokenCredential?(credential: TokenCredentialLike | undefined): void;
  /** The extension's SecretStorage as is (to plant keys in the form an older version stored them). */
  secretStorage?(): vscode.SecretStorage;
  /** The file that says "stopped by hand" for a port, shared by every window of the install. */
  stopMarks?(): StopMarks;
  /** The last notifications shown (text and buttons), oldest first. */
  notifications?(): readonly ShownNotification[];
  /** Answers modal confirmations instead of the user (undefined: the modal again). */
  setConfirmResponder?(r: ((n: ShownNotification) => string | undefined) | undefined): void;
  /** Moves former millisecond settings to seconds now, as activation does; returns the moves made. */
  migrateSettings?(): Promise<readonly SettingMove[]>;
}

export function createApi(
  mode: vscode.ExtensionMode,
  parts: {
    controller: PoolController; tree: PoolTreeView; statusBar: PoolStatusBar; terminals: TerminalEnvironment; auth: EntraAuth; log: ShellLog;
    roleHints: RoleHints; approval: WorkspaceApproval; secretStorage: vscode.SecretStorage; stopMarks: StopMarks;
    migrateSettings: () => Promise<readonly SettingMove[]>;
  },
): AoaiPoolApi {
  const { controller, tree, statusBar, terminals, auth, log, roleHints, approval, secretStorage, stopMarks, migrateSettings } = parts;
  const api: AoaiPoolApi = {
    apiVersion: 1,
    state: () => controller.current,
    onDidChangeState: controller.onDidChangeState,
    whenIdle: () => controller.whenIdle(),
    snapshots: () => controller.snapshots(),
    tree: () => {
      tree.flushNow();
      return tree.snapshot();
    },
    statusBar: () => statusBar.current(),
    signInState: () => auth.state,
  };
  if (mode === vscode.ExtensionMode.Production) return api;
  return {
    ...api,
    proxy: () => controller.proxyServer,
    simulators: () => controller.simulators,
    clientKey: () => controller.clientKey(),
    terminalEnvironment: () => terminals.variables(),
    dashboard: async () => (await import('./dashboard/panel')).dashboardProbe(),
    logLines: () => [...log.recent()],
    setDiscoveryPrompter: setTestPrompter,
    roleHints: () => roleHints.history,
    setApprovalResponder: (r) => approval.setResponder(r),
    forgetApprovals: () => approval.forgetAll(),
    useTokenCredential: (c) => auth.useTestCredential(c),
    secretStorage: () => secretStorage,
    stopMarks: () => stopMarks,
    notifications: () => [...recentNotifications()],
    setConfirmResponder,
    migrateSettings,
  };
}
