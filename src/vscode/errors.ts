/**
 * The one error path for command handlers (vscode-azuretools'
 * callWithTelemetryAndErrorHandling): a cancel is silent, a one-line error is
 * a notification, anything longer goes to the log with "See output". Text is
 * masked first. Notifications are never awaited, so a command's promise
 * settles without waiting for the user to dismiss a toast.
 */
import * as vscode from 'vscode';
import type { ConfigIssue, Redactor } from '../core';
import { describeSettingIssue, errorActions, settingsQueryForIssue } from '../core/view';
import type { ShellLog } from './log';
import { notify } from './notify';

const SHORT = 200;

export interface ErrorSink {
  log: ShellLog;
  redactor: Redactor;
}

export function isCancellation(e: unknown): boolean {
  return e instanceof vscode.CancellationError || (e instanceof Error && (e.name === 'Canceled' || e.name === 'CancellationError'));
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function reportError(e: unknown, sink: ErrorSink, where: string): void {
  if (isCancellation(e)) return;
  const text = sink.redactor.mask(errorText(e));
  // Buttons instead of "run <command>" (issue 13, item 10): the error's own actions, then Show Log.
  const actions = errorActions(e);
  if (text.length <= SHORT && !text.includes('\n')) {
    sink.log.warn(`${where}: ${text}`);
    notify('error', `AOAI Pool: ${text}`, actions);
    return;
  }
  const stack = e instanceof Error && e.stack ? `\n${sink.redactor.mask(e.stack)}` : '';
  sink.log.error(`${where}: ${text}${stack}`);
  const first = text.split('\n')[0]!.slice(0, SHORT);
  notify('error', `AOAI Pool: ${first} (details in the log)`, actions);
}

/** Wraps a handler so that it never rejects: errors are reported as above. */
export function wrapHandler<A extends unknown[], R>(where: string, fn: (...args: A) => R | Promise<R>, sink: ErrorSink): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      reportError(e, sink, where);
      return undefined;
    }
  };
}

let lastConfigReport = '';

/**
 * Invalid settings: one notification per distinct set of problems (a save
 * that leaves the same problems says nothing new), every problem in the log.
 */
export function reportConfigErrors(errors: readonly ConfigIssue[], log: ShellLog): void {
  const key = JSON.stringify(errors);
  if (errors.length === 0 || key === lastConfigReport) return;
  lastConfigReport = key;
  const first = describeSettingIssue(errors[0]!);
  const more = errors.length > 1 ? ` (+${errors.length - 1} more in the log)` : '';
  void vscode.window
    .showErrorMessage(`AOAI Pool settings: ${first}${more}. The last good pool keeps serving.`, 'Open Setting', 'Show Log')
    .then((pick) => {
      if (pick === 'Open Setting') void vscode.commands.executeCommand('workbench.action.openSettings', settingsQueryForIssue(errors[0]!));
      if (pick === 'Show Log') log.show();
    });
}
