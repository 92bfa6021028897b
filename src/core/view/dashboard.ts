/**
 * The dashboard webview's page and the messages between it and the
 * extension host. Pure, so the Content-Security-Policy is unit-tested: no
 * CDN, no inline script or style, nothing but the bundle's own files.
 */
import type { RunStatus } from './state';

/** Commands the page may ask the host to run (its buttons); anything else is ignored. */
export const DASHBOARD_COMMANDS = ['aoaiPool.startProxy', 'aoaiPool.trySimulated', 'aoaiPool.addBackend', 'aoaiPool.showLog'] as const;
export type DashboardCommand = (typeof DASHBOARD_COMMANDS)[number];

/** The windows of history the page offers, in seconds. */
export const DASHBOARD_WINDOWS = [300, 900] as const;

export interface DashboardState {
  status: RunStatus;
  url: string | undefined;
  simulated: boolean;
  /** `local`: the proxy runs in this window; `remote`: read from the pool that serves the port (another window, the CLI). */
  source: 'local' | 'remote' | 'none';
}

/** Host to page. `metrics` and `requests` are the bodies of `/_pool/metrics` and `/_pool/requests`, as text. */
export type HostMessage = {
  type: 'update';
  state: DashboardState;
  metrics: string | undefined;
  /** Only requests newer than the last update's; `reset` says to drop the ones the page has (new proxy, or first update). */
  requests: string | undefined;
  reset: boolean;
  error: string | undefined;
};

/** Page to host. */
export type PageMessage =
  | { type: 'ready' }
  | { type: 'window'; seconds: number }
  | { type: 'run'; command: string };

export function isPageMessage(m: unknown): m is PageMessage {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'ready') return true;
  if (t === 'window') return DASHBOARD_WINDOWS.includes((m as { seconds?: unknown }).seconds as (typeof DASHBOARD_WINDOWS)[number]);
  return t === 'run' && (DASHBOARD_COMMANDS as readonly string[]).includes((m as { command?: unknown }).command as string);
}

export interface DashboardPageParts {
  /** `webview.cspSource`: the origin the webview serves the extension's files from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** Fresh per page load: only the bundle's own script and stylesheet carry it. */
  nonce: string;
}

/** The Content-Security-Policy of the page: our script and stylesheet by nonce, images from the bundle or data:, nothing else. */
export function dashboardCsp(p: DashboardPageParts): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${p.nonce}'`,
    `style-src ${p.cspSource} 'nonce-${p.nonce}'`,
    `img-src ${p.cspSource} data:`,
    `font-src ${p.cspSource}`,
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function dashboardHtml(p: DashboardPageParts): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(dashboardCsp(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(p.styleUri)}" nonce="${esc(p.nonce)}">
<title>AOAI Pool Dashboard</title>
</head>
<body>
<div id="app" aria-busy="true"><p class="loading">Loading the pool's metrics…</p></div>
<script nonce="${esc(p.nonce)}" src="${esc(p.scriptUri)}"></script>
</body>
</html>
`;
}
