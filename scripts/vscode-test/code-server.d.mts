// Types for code-server.mjs, for the TypeScript UI driver (test/ui).
import type { Browser, Page } from 'playwright-core';

export interface Flavor {
  name: 'stable' | 'min';
  codeServer: string;
  vscode: string;
  nodeMajor: 20 | 24;
  systemNode: boolean;
  node: { kind: 'system' | 'package'; version: string; dir: string | undefined; prefix: string; bin: string };
  smokeDriverFlag: boolean;
  dir: string;
}

export interface CodeServer {
  flavor: Flavor;
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, the authority of vscode-remote:// URIs */
  authority: string;
  pid: number | undefined;
  exited: Promise<number | string | null>;
  stop(): Promise<void>;
}

export function makeRunDir(label: string): string;
export function linkDevelopmentPaths(paths: string[], runDir: string, say?: (msg: string) => void): string[];
export function startCodeServer(opts: {
  flavor?: string;
  runDir: string;
  onOutput?: (line: string) => void;
  startTimeoutMs?: number;
}): Promise<CodeServer>;
export function remoteUri(server: Pick<CodeServer, 'authority'>, fsPath: string): string;
export function workbenchUrl(
  server: Pick<CodeServer, 'url' | 'authority'>,
  opts?: { folder?: string; extensionDevelopmentPath?: string[]; extensionTestsPath?: string },
): string;
export function launchChromium(): Promise<Browser>;
export function newWorkbenchPage(
  browser: Browser,
  server: Pick<CodeServer, 'url'>,
  opts?: { onBlocked?: (url: string) => void; viewport?: { width: number; height: number } },
): Promise<Page>;
