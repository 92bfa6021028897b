/**
 * Entra ID without a data-plane role: the first 403 of an Entra backend says
 * so plainly and offers the exact role assignment (issue 11), once per
 * backend per session. The assignee is the signed-in account's object id,
 * read from its token (works for guest accounts too, unlike the sign-in name).
 */
import * as vscode from 'vscode';
import { COGNITIVE_SERVICES_SCOPE, type BackendSnapshot } from '../core';
import { jwtClaims, refusedEntra, roleAssignmentCommand, roleHintMessage } from '../core/view';
import type { EntraAuth } from './auth';
import type { PoolController } from './controller';
import type { ShellLog } from './log';

export interface RoleHintRecord {
  backend: string;
  message: string;
  /** The az command, when the backend's resource id is known. */
  command: string | undefined;
}

export class RoleHints implements vscode.Disposable {
  private readonly shown = new Set<string>();
  /** What was shown, in order (the test API reads it). */
  readonly history: RoleHintRecord[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly controller: PoolController,
    private readonly auth: EntraAuth,
    private readonly log: ShellLog,
  ) {
    this.subscription = controller.onDidChangeBackend((s) => void this.consider(s));
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private async consider(s: BackendSnapshot): Promise<void> {
    if (!refusedEntra(s) || this.shown.has(s.name)) return;
    this.shown.add(s.name);
    const backend = (this.controller.proxyServer?.config ?? this.controller.settingsConfig)?.backends.find((b) => b.name === s.name);
    if (!backend) return;
    const { assignee, who } = await this.signedInPrincipal();
    const command = backend.resourceId ? roleAssignmentCommand(assignee, backend.resourceId) : undefined;
    const message = `${roleHintMessage(backend, who)}${command ? `\n${command}` : ' Its resource id is unknown: add it as "resourceId" (Add Backends from Azure… fills it in) to get the exact command.'}`;
    this.history.push({ backend: s.name, message, command });
    this.log.warn(message);
    const copy = 'Copy az command';
    const pick = await vscode.window.showWarningMessage(`AOAI Pool: ${message}`, ...(command ? [copy] : []));
    if (pick === copy && command) {
      await vscode.env.clipboard.writeText(command);
      void vscode.window.showInformationMessage('AOAI Pool: the az command is on the clipboard. Run it, then wait a few minutes for the role to apply.');
    }
  }

  /** The object id (and a readable name) of whoever the Entra tokens belong to. */
  private async signedInPrincipal(): Promise<{ assignee: string; who: string }> {
    try {
      const token = await this.auth.tokenCredential()?.getToken(COGNITIVE_SERVICES_SCOPE);
      const claims = token ? jwtClaims(token.token) : undefined;
      const oid = typeof claims?.oid === 'string' ? claims.oid : undefined;
      const name = [claims?.upn, claims?.preferred_username, claims?.unique_name].find((v): v is string => typeof v === 'string');
      if (oid) return { assignee: oid, who: name ? `Your account (${name})` : 'Your account' };
    } catch {
      // no token: fall through to the placeholder
    }
    return { assignee: '$(az ad signed-in-user show --query id -o tsv)', who: 'Your account' };
  }
}
