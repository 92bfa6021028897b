/**
 * Entra tokens for `"auth": "entra"` backends, adapted to the core's
 * TokenCredential-shaped interface. Default: VS Code's own Microsoft sign-in
 * (as vscode-azuretools' getSessionFromVSCode does); alternatives: the Azure
 * CLI or DefaultAzureCredential from @azure/identity, loaded only when used.
 */
import * as vscode from 'vscode';
import { COGNITIVE_SERVICES_SCOPE, type TokenCredentialLike } from '../core';
import { identityCredential } from '../core/auth/identity';
import { SOVEREIGN_AUTH_PROVIDER } from '../core/discovery/clouds';
import { sessionTokenExpiry, type EntraCredentialKind, type ShellSettings } from '../core/view';
import type { ShellLog } from './log';

const PROVIDER = 'microsoft';
/** A silent session lookup must not hold anything up when no provider answers (e.g. a bare code-server). */
const CHECK_TIMEOUT_MS = 10_000;

export type SignInState = 'signedIn' | 'signedOut' | 'unknown' | 'external';

export class EntraAuth implements vscode.Disposable {
  private kind: EntraCredentialKind;
  private tenant: string | undefined;
  private signedIn: boolean | undefined;
  /** Replaced on every change: the core caches tokens per credential object, so a new one starts afresh. */
  private credential: TokenCredentialLike;
  /** Development/Test mode only (api.ts): a stand-in credential, since the test hosts have no Microsoft sign-in. */
  private testCredential: TokenCredentialLike | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly log: ShellLog,
    settings: ShellSettings,
  ) {
    this.kind = settings.entraCredential;
    this.tenant = settings.entraTenant;
    this.credential = this.build();
    this.subscription = vscode.authentication.onDidChangeSessions((e) => {
      if (e.provider.id === PROVIDER && this.kind === 'vscode') void this.check(true);
    });
  }

  get state(): SignInState {
    if (this.kind !== 'vscode') return 'external';
    return this.signedIn === undefined ? 'unknown' : this.signedIn ? 'signedIn' : 'signedOut';
  }

  get credentialKind(): EntraCredentialKind {
    return this.kind;
  }

  /** For the core: undefined means "nobody signed in" and shows backends as signed out. */
  tokenCredential(): TokenCredentialLike | undefined {
    if (this.testCredential) return this.testCredential;
    return this.kind === 'vscode' && this.signedIn === false ? undefined : this.credential;
  }

  /** Test API only: tokens from `credential` instead of the sign-in (undefined: back to the sign-in). */
  useTestCredential(credential: TokenCredentialLike | undefined): void {
    this.testCredential = credential;
    this.changed.fire();
  }

  configure(settings: ShellSettings): void {
    if (settings.entraCredential === this.kind && settings.entraTenant === this.tenant) return;
    this.kind = settings.entraCredential;
    this.tenant = settings.entraTenant;
    this.signedIn = undefined;
    this.credential = this.build();
    this.changed.fire();
    if (this.kind === 'vscode') void this.check(false);
  }

  /** Looks for a session without prompting; `renew` also drops cached tokens (sign-out, account switch). */
  async check(renew = false): Promise<void> {
    if (this.kind !== 'vscode') return;
    let session: vscode.AuthenticationSession | undefined;
    try {
      session = await withTimeout(vscode.authentication.getSession(PROVIDER, this.scopes(), { silent: true }));
    } catch (e) {
      this.log.debug(`no Microsoft session: ${(e as Error)?.message ?? e}`);
    }
    const before = this.signedIn;
    this.signedIn = !!session;
    if (renew) this.credential = this.build();
    if (renew || before !== this.signedIn) this.changed.fire();
  }

  /** "Sign in to Azure": VS Code's sign-in prompt, or directions for the CLI-based credentials. */
  async signIn(): Promise<void> {
    if (this.kind === 'vscode') {
      const session = await vscode.authentication.getSession(PROVIDER, this.scopes(), { createIfNone: true });
      this.log.info(`signed in to Azure as ${session.account.label}`);
      this.signedIn = true;
      this.credential = this.build();
      this.changed.fire();
      return;
    }
    const useVsCode = 'Use VS Code Sign-in';
    const how = this.kind === 'azureCli'
      ? 'Entra tokens come from the Azure CLI (setting aoaiPool.entra.credential): run "az login" in a terminal.'
      : 'Entra tokens come from DefaultAzureCredential (setting aoaiPool.entra.credential): environment variables, a managed identity, or "az login".';
    const pick = await vscode.window.showInformationMessage(how, 'Open Terminal', useVsCode);
    if (pick === 'Open Terminal') vscode.window.createTerminal('az login').show();
    if (pick === useVsCode) await vscode.workspace.getConfiguration('aoaiPool').update('entra.credential', 'vscode', vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  private scopes(scopes: string | string[] = COGNITIVE_SERVICES_SCOPE): string[] {
    // VS Code's Microsoft provider reads the tenant from this pseudo-scope.
    return [...(Array.isArray(scopes) ? scopes : [scopes]), ...(this.tenant ? [`VSCODE_TENANT:${this.tenant}`] : [])];
  }

  private build(): TokenCredentialLike {
    if (this.kind !== 'vscode') return identityCredential(this.kind, this.tenant);
    return {
      getToken: async (scopes) => {
        // A sovereign cloud's data-plane scope (core `entraScopeFor`) is served by
        // VS Code's sovereign-cloud provider, set up by the user's
        // `microsoft-sovereign-cloud.*` settings; the public one by `microsoft`.
        const provider = [scopes].flat().every((s) => s === COGNITIVE_SERVICES_SCOPE) ? PROVIDER : SOVEREIGN_AUTH_PROVIDER;
        const session = await vscode.authentication.getSession(provider, this.scopes(scopes), { silent: true });
        if (!session) {
          if (this.signedIn !== false) {
            this.signedIn = false;
            this.changed.fire();
          }
          throw new Error('not signed in to Azure: run "AOAI Pool: Sign in to Azure"');
        }
        return { token: session.accessToken, expiresOnTimestamp: sessionTokenExpiry(session.accessToken, Date.now()) };
      },
    };
  }
}

function withTimeout<T>(p: Thenable<T>): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), CHECK_TIMEOUT_MS);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}
