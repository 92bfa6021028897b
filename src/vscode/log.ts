/**
 * The one output channel (a LogOutputChannel, so VS Code adds timestamps and
 * levels) and the core Logger on top of it. Every line passes the shared
 * Redactor: the core gets the Logger, never the channel.
 */
import * as vscode from 'vscode';
import type { Logger, Redactor } from '../core';

export interface ShellLog extends Logger {
  readonly channel: vscode.LogOutputChannel;
  show(): void;
}

export function createLog(redactor: Redactor): ShellLog {
  const channel = vscode.window.createOutputChannel('AOAI Pool', { log: true });
  return {
    channel,
    debug: (m) => channel.debug(redactor.mask(m)),
    info: (m) => channel.info(redactor.mask(m)),
    warn: (m) => channel.warn(redactor.mask(m)),
    error: (m) => channel.error(redactor.mask(m)),
    show: () => channel.show(true),
  };
}
