/**
 * Every notification the extension shows goes through here: buttons run
 * their command (issue 13, item 10), and in Test mode the last ones are kept
 * so integration tests can check what a user was told and offered. Modal
 * confirmations can be answered by a test responder, as the workspace
 * approval does, since extension tests cannot click a modal.
 */
import * as vscode from 'vscode';
import type { UserAction } from '../core/view';

export type Severity = 'info' | 'warning' | 'error';

export interface ShownNotification {
  /** Counts up from 1 over the extension's life: tests take what came after a point. */
  seq: number;
  severity: Severity;
  text: string;
  buttons: string[];
  modal: boolean;
}

const KEEP = 50;
const shown: ShownNotification[] = [];
let seq = 0;
let responder: ((n: ShownNotification) => string | undefined) | undefined;

function record(n: Omit<ShownNotification, 'seq'>): ShownNotification {
  const full = { ...n, seq: ++seq };
  shown.push(full);
  if (shown.length > KEEP) shown.shift();
  return full;
}

/** Shows a toast with action buttons; never awaited by callers, so a command settles at once. */
export function notify(severity: Severity, text: string, actions: readonly UserAction[] = [], more: Record<string, () => unknown> = {}): void {
  const buttons = [...actions.map((a) => a.label), ...Object.keys(more)];
  record({ severity, text, buttons, modal: false });
  const show = severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(text, ...buttons).then((pick) => {
    const action = actions.find((a) => a.label === pick);
    if (action) void vscode.commands.executeCommand(action.command, ...(action.args ?? []));
    else if (pick) void more[pick]?.();
  });
}

/** A modal question; resolves with the button picked, or undefined for Cancel. */
export async function confirm(text: string, ...buttons: string[]): Promise<string | undefined> {
  const n = record({ severity: 'warning', text, buttons, modal: true });
  if (responder) return responder(n);
  return vscode.window.showWarningMessage(text, { modal: true }, ...buttons);
}

/** Test API: what was shown, oldest first. */
export function recentNotifications(): readonly ShownNotification[] {
  return shown;
}

/** Test API: answers modal confirmations instead of the user (undefined: the modal again). */
export function setConfirmResponder(r: ((n: ShownNotification) => string | undefined) | undefined): void {
  responder = r;
}
