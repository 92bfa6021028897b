/**
 * `aoai-pool discover` as users run it: a real process with the real
 * DefaultAzureCredential (Azure CLI step, fake `az`), the real SDKs against
 * the Resource Manager stand-in (test CA through NODE_EXTRA_CA_CERTS); the
 * config it writes passes `check` and serves through `serve`.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOME_TENANT, startArmSimulator, type ArmSimulator } from '../../src/core/simulator/arm';
import { fakeAzEnvironment } from '../helpers/fakeAz';
import { CHAT, chatPath, send, sleep } from '../helpers/net';
import { runCli, stopCliChildren } from '../helpers/cli';

let sim: ArmSimulator;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startArmSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-discover-'));
  writeFileSync(join(dir, 'ca.pem'), sim.ca);
  env = { ...fakeAzEnvironment(HOME_TENANT), NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') };
});
afterAll(() => sim?.close());
afterEach(stopCliChildren);

const run = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });

const outFile = () => join(mkdtempSync(join(tmpdir(), 'aoai-pool-out-')), 'aoai-pool.json');

describe('aoai-pool discover', () => {
  it('prints what it found, writes a config that check accepts (with the interchangeability warning) and serve uses', async () => {
    const file = outFile();
    const p = run(['discover', '--out', file], { AOAI_POOL_ARM_ENDPOINT: sim.url });
    expect(await p.exited, p.err()).toBe(0);
    // The table: both kinds, regions, models, SKUs, capacities, the account and the subscription that could not be read.
    expect(p.out()).toMatch(/Contoso AI Production\s+contoso-swedencentral\s+OpenAI\s+swedencentral\s+gpt-4o-ptu\s+gpt-4o\s+2024-11-20\s+ProvisionedManaged\s+100 PTU/);
    expect(p.out()).toMatch(/contoso-eastus2\s+AIServices\s+eastus2\s+gpt-4o\s+gpt-4o\s+2024-11-20\s+DataZoneStandard\s+150k TPM/);
    expect(p.out()).toMatch(/Fabrikam Research\s+fabrikam-japaneast/);
    expect(p.out()).toMatch(/contoso-francecentral\s+OpenAI\s+francecentral\s+\(cannot list deployments: see below\)/);
    expect(p.out()).toMatch(/cannot list the deployments of contoso-francecentral: 403 AuthorizationFailed/);
    expect(p.out()).toMatch(/cannot read subscription Contoso Finance \(no access\) \(33333333-3333-4333-8333-333333333333\): 403 AuthorizationFailed/);
    expect(p.out()).not.toMatch(/contoso-language/);
    expect(p.out()).toMatch(/warning: the members of "gpt-4o" are not interchangeable: model version differs/);
    expect(p.out()).toMatch(/az role assignment create --assignee .* --role "Cognitive Services OpenAI User" --scope \/subscriptions\/11111111/);

    const config = JSON.parse(readFileSync(file, 'utf8')) as { backends: Record<string, unknown>[] };
    const ptu = config.backends.find((b) => b.name === 'contoso-swedencentral-gpt-4o-ptu')!;
    expect(ptu).toMatchObject({ auth: 'entra', weight: 100, resourceId: expect.stringMatching(/accounts\/contoso-swedencentral$/), region: 'swedencentral', kind: 'OpenAI' });
    expect(ptu.priority).toBeUndefined();
    expect(config.backends.find((b) => b.name === 'contoso-eastus2-gpt-4o')).toMatchObject({ priority: 2, deployments: { 'gpt-4o': { deployment: 'gpt-4o', sku: 'DataZoneStandard', tpm: 150_000 } } });

    const check = run(['check', '--config', file]);
    expect(await check.exited, check.err()).toBe(0);
    expect(check.out()).toMatch(/ok \(\d+ backends/);
    expect(check.err()).toMatch(/warning: backends\[\d+\]\.deployments\["gpt-4o"\]: the members of "gpt-4o" are not interchangeable: model version differs \(2024-11-20 on [^;]+; 2024-08-06 on contoso-westeurope\)/);

    const serve = run(['serve', '--config', file, '--port', '0'], { AOAI_POOL_CLIENT_KEY: 'client-key-123456' });
    let url: string | undefined;
    for (let i = 0; i < 400 && !url; i++, await sleep(25)) url = /listening on (\S+)/.exec(serve.err() + serve.out())?.[1];
    expect(url, serve.err()).toBeDefined();
    const r = await send(url!, { path: chatPath('gpt-4o-mini'), body: CHAT, key: 'client-key-123456' });
    expect(r.status, r.body).toBe(200);
    expect(['contoso-eastus2-gpt-4o-mini', 'contoso-dev-westus3']).toContain(r.headers['x-aoai-pool-backend']);
    // Entra ID: the data plane got a bearer token from the credential, not a key.
    const served = sim.backends.find((b) => r.headers['x-aoai-pool-backend']!.toString().startsWith(b.name))!;
    expect(served.requests.at(-1)!.headers.authorization).toMatch(/^Bearer \S+/);
  });

  it('--auth apiKey writes environment variable names and how to fill them, never a key', async () => {
    const file = outFile();
    const p = run(['discover', '--out', file, '--arm-endpoint', sim.url, '--auth', 'apiKey', '--subscription', '44444444-4444-4444-8444-444444444444']);
    expect(await p.exited, p.err()).toBe(0);
    const text = readFileSync(file, 'utf8');
    const config = JSON.parse(text) as { backends: { name: string; auth: string; apiKeyEnv?: string }[] };
    expect(config.backends).toEqual([expect.objectContaining({ name: 'fabrikam-japaneast', auth: 'apiKey', apiKeyEnv: 'AOAI_POOL_KEY_FABRIKAM_JAPANEAST' })]);
    expect(p.out()).toMatch(/export AOAI_POOL_KEY_FABRIKAM_JAPANEAST=\$\(az cognitiveservices account keys list -g rg-research -n fabrikam-japaneast/);
    const key = sim.arm.keys.get('fabrikam-japaneast')!.key1;
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(text + p.out() + p.err()).not.toContain(key);
  });

  it('--model filters, --dry-run writes nothing, an existing file is kept without --force, bad options exit 2', async () => {
    const file = outFile();
    const dry = run(['discover', '--out', file, '--arm-endpoint', sim.url, '--model', 'gpt-4o-mini', '--dry-run']);
    expect(await dry.exited, dry.err()).toBe(0);
    expect(dry.out()).toMatch(/Proposed pool:\nALIAS.*\ngpt-4o-mini\s+contoso-eastus2\s+1\s+100\s.*\ngpt-4o-mini\s+contoso-dev-westus3\s+1\s+3\s/);
    expect(dry.out()).not.toMatch(/\ngpt-4o\s/);
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, '{"backends": []}');
    const kept = run(['discover', '--out', file, '--arm-endpoint', sim.url]);
    expect(await kept.exited).toBe(2);
    expect(kept.err()).toMatch(/exists: pass --force/);
    expect(readFileSync(file, 'utf8')).toBe('{"backends": []}');
    const http = run(['discover', '--arm-endpoint', 'http://127.0.0.1:1', '--dry-run']);
    expect(await http.exited).toBe(2);
    expect(http.err()).toMatch(/must be https/);
    const help = run(['discover', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.out()).toMatch(/Usage: aoai-pool discover/);
  });
});
