/**
 * Approval of backends from workspace settings (issue 9). In a trusted
 * workspace a repository's `.vscode/settings.json` replaces the user's
 * `aoaiPool.backends`; its backends get nothing (no request, no probe, no key,
 * no token) until the user approves them in a modal that lists their names and
 * endpoints. The core enforces it: `withheld()` is the credential source's
 * gate, checked before any credential is looked up (core/auth/credentials.ts).
 *
 * Approvals live in `workspaceState` (the user's storage for this workspace,
 * not a file in the repository) as fingerprints of (name, endpoint, auth): a
 * later change to an endpoint is a new backend and asks again, while changes
 * of weights or deployments do not. Fail-closed: a backend is usable only if
 * it is one of the user's own or was approved here; nothing else is assumed.
 */
import * as vscode from 'vscode';
import type { BackendConfig } from '../core';
import {
  AWAITING_APPROVAL_REASON, CONTEXT_KEYS, approvalPrompt, configIdentity, identityFingerprint, pendingApproval, rememberApprovals, setFingerprint,
  userFingerprints, type BackendIdentity,
} from '../core/view';
import type { ShellLog } from './log';
import { userBackends } from './settings';

const STATE_KEY = 'aoaiPool.approvedWorkspaceBackends';

export type ApprovalPrompt = ReturnType<typeof approvalPrompt>;
/** Answers a prompt instead of the modal (the test API's hook; Development/Test mode only). */
export type ApprovalResponder = (prompt: ApprovalPrompt, backends: readonly BackendIdentity[]) => boolean | Promise<boolean>;

export class WorkspaceApproval implements vscode.Disposable {
  private user = new Set<string>();
  /** Cached `workspaceState` approvals: `withheld` runs on every request. */
  private approvedSet: Set<string>;
  /** Fingerprints per backend object (a config's backends live as long as that config). */
  private readonly fingerprints = new WeakMap<BackendConfig, string>();
  /** Pending sets already offered this session: a dismissed prompt does not come back until the set changes. */
  private readonly offered = new Set<string>();
  private responder: ApprovalResponder | undefined;
  /** The value last given to the `aoaiPool.approvalPending` context key. */
  private pendingShown = false;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Approvals changed: credentials must be re-checked. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly state: vscode.Memento,
    private readonly log: ShellLog,
  ) {
    this.approvedSet = new Set(this.stored());
    this.refresh();
  }

  /** Re-reads the user's own backends. Call on every settings change, before the pool reloads. */
  refresh(): void {
    this.user = userFingerprints(userBackends());
  }

  /** The credential source's gate: why `b` gets nothing yet, or undefined when it may. */
  withheld(b: BackendConfig): { state: 'awaitingApproval'; reason: string } | undefined {
    let fp = this.fingerprints.get(b);
    if (fp === undefined) {
      fp = identityFingerprint(configIdentity(b));
      this.fingerprints.set(b, fp);
    }
    return this.user.has(fp) || this.approved().has(fp) ? undefined : { state: 'awaitingApproval', reason: AWAITING_APPROVAL_REASON };
  }

  /** The pool's backends that wait for approval. */
  pending(backends: readonly BackendConfig[]): BackendIdentity[] {
    return pendingApproval(backends.map(configIdentity), this.user, this.approved());
  }

  /** Records approval of these backends in this workspace. */
  async approve(ids: readonly BackendIdentity[]): Promise<void> {
    if (ids.length === 0) return;
    const next = rememberApprovals(this.stored(), ids);
    await this.state.update(STATE_KEY, next);
    this.approvedSet = new Set(next);
    this.log.info(`approved workspace backend(s) ${ids.map((id) => `${id.name} (${id.endpoint})`).join(', ')}`);
    this.changed.fire();
  }

  /**
   * The modal: lists the waiting backends with their endpoints; approving them
   * lets them have credentials. Returns whether they were approved.
   */
  async review(backends: readonly BackendConfig[]): Promise<boolean> {
    const ids = this.pending(backends);
    if (ids.length === 0) return false;
    this.offered.add(setFingerprint(ids));
    const prompt = approvalPrompt(ids);
    const yes = this.responder
      ? await this.responder(prompt, ids)
      : (await vscode.window.showWarningMessage(prompt.message, { modal: true, detail: prompt.detail }, prompt.approve)) === prompt.approve;
    // Approve what was shown, not what the settings say by now.
    if (yes) await this.approve(ids);
    else this.log.warn(`workspace backend(s) not approved, nothing is sent to them: ${ids.map((id) => `${id.name} (${id.endpoint})`).join(', ')}`);
    return yes;
  }

  /**
   * Asks once per distinct set of waiting backends per session (settings
   * loaded or changed), and shows "Review Workspace Backends" in the palette
   * only while something waits.
   */
  async offer(backends: readonly BackendConfig[]): Promise<void> {
    const ids = this.pending(backends);
    if (ids.length > 0 !== this.pendingShown) {
      this.pendingShown = ids.length > 0;
      // Can fail while the window shuts down; nothing to do then.
      vscode.commands.executeCommand('setContext', CONTEXT_KEYS.approvalPending, this.pendingShown).then(undefined, () => undefined);
    }
    if (ids.length === 0 || this.offered.has(setFingerprint(ids))) return;
    await this.review(backends);
  }

  /** Development/Test mode only (see api.ts): answers prompts instead of the modal. */
  setResponder(responder: ApprovalResponder | undefined): void {
    this.responder = responder;
  }

  /** Forgets the approvals of this workspace and the prompts offered (tests). */
  async forgetAll(): Promise<void> {
    this.offered.clear();
    await this.state.update(STATE_KEY, undefined);
    this.approvedSet = new Set();
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  private stored(): string[] {
    const v = this.state.get<unknown>(STATE_KEY);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  private approved(): ReadonlySet<string> {
    return this.approvedSet;
  }
}
