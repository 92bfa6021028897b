import { describe, expect, it } from 'vitest';
import { dashboardCsp, dashboardHtml, isPageMessage } from '../../../src/core/view/dashboard';

const parts = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/dashboard.js', styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/dashboard.css', nonce: 'bm9uY2Utbm9uY2U=' };

describe('dashboard page', () => {
  it('allows only its own nonce-tagged script and stylesheet: no CDN, no inline code, no network', () => {
    const csp = dashboardCsp(parts);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'nonce-${parts.nonce}'`);
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\/(?!file\+)/);
    const html = dashboardHtml(parts);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp.replace(/'/g, "'")}">`);
    // Every script and stylesheet carries the nonce and comes from the bundle folder.
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toEqual([`<script nonce="${parts.nonce}" src="${parts.scriptUri}">`]);
    expect(html).toContain(`<link rel="stylesheet" href="${parts.styleUri}" nonce="${parts.nonce}">`);
    expect(html).not.toMatch(/<style\b|style="/);
  });

  it('accepts only the messages the page may send, and only whitelisted commands', () => {
    expect(isPageMessage({ type: 'ready' })).toBe(true);
    expect(isPageMessage({ type: 'window', seconds: 300 })).toBe(true);
    expect(isPageMessage({ type: 'window', seconds: 86400 })).toBe(false);
    expect(isPageMessage({ type: 'run', command: 'aoaiPool.startProxy' })).toBe(true);
    expect(isPageMessage({ type: 'run', command: 'workbench.action.terminal.sendSequence' })).toBe(false);
    expect(isPageMessage({ type: 'run', command: 'aoaiPool.copyClientKey' })).toBe(false);
    expect(isPageMessage(null)).toBe(false);
    expect(isPageMessage('ready')).toBe(false);
  });
});
