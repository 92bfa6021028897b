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
  /** The last lines written (masked), oldest first: what a test can read of the channel. */
  recent(): readonly string[];
}

/** A channel's text cannot be read back through the API; a short tail is kept for the test API. */
const KEEP_LINES = 200;

export function createLog(redactor: Redactor): ShellLog {
  const channel = vscode.window.createOutputChannel('AOAI Pool', { log: true });
  const tail: string[] = [];
  const write = (level: 'debug' | 'info' | 'warn' | 'error', m: string) => {
    const line = redactor.mask(m);
    channel[level](line);
    tail.push(`[${level}] ${line}`);
    if (tail.length > KEEP_LINES) tail.shift();
  };
  return {
    channel,
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
    show: () => channel.show(true),
    recent: () => tail,
  };
}
