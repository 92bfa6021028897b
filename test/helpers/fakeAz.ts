/**
 * A stand-in `az` for DefaultAzureCredential's Azure CLI step: with
 * AZURE_TOKEN_CREDENTIALS=AzureCliCredential the real credential chain runs
 * `az account get-access-token` and nothing else (no managed-identity probe
 * leaves the machine). Tokens carry the `--tenant` asked for as `tid`.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Environment for a child process whose DefaultAzureCredential gets its tokens from the fake `az`. */
export function fakeAzEnvironment(homeTenant: string): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-fake-az-'));
  writeFileSync(join(dir, 'az.js'), `
const args = process.argv.slice(2);
const at = (flag) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
if (args[0] !== 'account' || args[1] !== 'get-access-token') { console.error('fake az: unsupported ' + args.join(' ')); process.exit(2); }
const tid = at('--tenant') || ${JSON.stringify(homeTenant)};
const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const exp = Math.floor(Date.now() / 1000) + 3600;
const token = part({ alg: 'none' }) + '.' + part({ tid, oid: 'fake-oid', upn: 'dev@contoso.test', aud: at('--resource'), exp }) + '.sim';
console.log(JSON.stringify({ accessToken: token, expiresOn: new Date(exp * 1000).toISOString(), expires_on: exp, tenant: tid, tokenType: 'Bearer' }));
`);
  writeFileSync(join(dir, 'az'), `#!/bin/sh\nexec "${process.execPath}" "${join(dir, 'az.js')}" "$@"\n`);
  chmodSync(join(dir, 'az'), 0o755);
  return { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}`, AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential' };
}
