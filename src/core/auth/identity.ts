/**
 * @azure/identity credentials, built on first use: the package is heavy and a
 * pool of api-key backends never needs it. The CLI uses `default`; the
 * extension offers `azureCli` and `default` besides VS Code's own sign-in.
 */
import type { TokenCredentialLike } from './token';

export type IdentityCredentialKind = 'azureCli' | 'default';

export function identityCredential(kind: IdentityCredentialKind = 'default', tenantId?: string): TokenCredentialLike {
  let inner: Promise<TokenCredentialLike> | undefined;
  return {
    async getToken(scopes, options) {
      inner ??= import('@azure/identity')
        .then((m) => (kind === 'azureCli' ? new m.AzureCliCredential({ tenantId }) : new m.DefaultAzureCredential({ tenantId })))
        .catch((e: unknown) => {
          // A failed load (package missing) may be fixed without a restart.
          inner = undefined;
          throw e;
        });
      return (await inner).getToken(scopes, options);
    },
  };
}
