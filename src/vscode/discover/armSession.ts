/**
 * Resource Manager sign-in through VS Code's own Microsoft account: the
 * provider and endpoint follow VS Code's sovereign cloud settings
 * (`microsoft-sovereign-cloud.environment` / `.customEnvironment`, contributed
 * by the built-in Microsoft Authentication extension), and each tenant gets a
 * token of its own through the provider's `VSCODE_TENANT:<id>` scope, as the
 * Azure extensions do.
 */
import * as vscode from 'vscode';
import { cloudFromSovereignSettings, type ArmTarget, type CloudChoice } from '../../core/discovery';
import { sessionTokenExpiry } from '../../core/view';

export function currentCloud(): CloudChoice {
  const cfg = vscode.workspace.getConfiguration('microsoft-sovereign-cloud');
  return cloudFromSovereignSettings(cfg.get('environment'), cfg.get('customEnvironment'));
}

export class ArmSession {
  constructor(readonly cloud: CloudChoice) {}

  /** The session of the account's home tenant: the one already allowed if any, else VS Code's sign-in prompt. */
  async signIn(): Promise<vscode.AuthenticationSession> {
    const existing = await vscode.authentication.getSession(this.cloud.authProvider, this.scopes(), { silent: true });
    return existing ?? vscode.authentication.getSession(this.cloud.authProvider, this.scopes(), { createIfNone: true });
  }

  /** A sign-in for one more directory (MFA or consent there). */
  async signInTenant(tenantId: string): Promise<void> {
    await vscode.authentication.getSession(this.cloud.authProvider, this.scopes(tenantId), { createIfNone: true });
  }

  /** Discovery's target: silent sessions per tenant; a tenant without one fails with why (and is offered a sign-in). */
  target(signal?: AbortSignal): ArmTarget {
    return {
      endpoint: this.cloud.endpoint,
      signal,
      credentialFor: (tenantId) => ({
        getToken: async () => {
          const session = await vscode.authentication.getSession(this.cloud.authProvider, this.scopes(tenantId), { silent: true });
          if (!session) throw new Error(`sign-in needed for directory ${tenantId ?? '(home)'}`);
          return { token: session.accessToken, expiresOnTimestamp: sessionTokenExpiry(session.accessToken, Date.now()) };
        },
      }),
    };
  }

  private scopes(tenantId?: string): string[] {
    return [`${this.cloud.endpoint}/.default`, ...(tenantId ? [`VSCODE_TENANT:${tenantId}`] : [])];
  }
}
