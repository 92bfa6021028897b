// Issue 9: credentials go only to Azure OpenAI / AI Services hosts, loopback
// simulators and hosts the user allows, and never to a backend the shell
// withholds (a workspace backend not yet approved). Checked through the real
// proxy, for requests and probes alike.
//
// Only loopback can answer in a test, and every loopback host is allowed; so
// for the refused hosts (which are not loopback) the test records what would
// have left the machine instead: every DNS lookup the process makes is caught
// here and answered ENOTFOUND (nothing goes out), and the credential source
// counts what it was asked for. Positive controls prove both recorders work:
// an allowed Azure host IS looked up and asked a key for.
import dns from 'node:dns';
import { isIP } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialSource } from '../../src/core/auth/credentials';
import type { BackendConfig } from '../../src/core/config/types';
import { CHAT, chatPath, closeAll, okBackend, send, startProxy } from '../helpers/net';

const lookups: string[] = [];
const realLookup = dns.lookup;

beforeAll(() => {
  // undici connects through net/tls, which resolve names with dns.lookup.
  (dns as { lookup: unknown }).lookup = (host: string, opts: unknown, cb?: unknown) => {
    // Loopback (listen, and the fake backends) resolves as usual; nothing else is answered.
    if (host === 'localhost' || isIP(host)) {
      (realLookup as (...a: unknown[]) => void)(host, opts, cb);
      return;
    }
    const callback = (typeof opts === 'function' ? opts : cb) as (e: Error | null) => void;
    lookups.push(host);
    const e = Object.assign(new Error(`test: no DNS for ${host}`), { code: 'ENOTFOUND' });
    process.nextTick(() => callback(e));
  };
});
afterAll(() => {
  (dns as { lookup: unknown }).lookup = realLookup;
});
afterEach(async () => {
  await closeAll();
  lookups.length = 0;
});

/** A credential source that counts what it hands out, per backend. */
function countingSource(keys: Record<string, string>, extra: Partial<CredentialSource> = {}) {
  const keyCalls: string[] = [];
  let tokenCalls = 0;
  const source: CredentialSource = {
    apiKey: (b: BackendConfig) => {
      keyCalls.push(b.name);
      return keys[b.name];
    },
    tokenCredential: () => ({
      getToken: async () => {
        tokenCalls++;
        return { token: 'entra-token-0123456789', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    }),
    ...extra,
  };
  return { source, keyCalls, tokenCalls: () => tokenCalls };
}

const LOOKALIKE = 'east.openai.azure.com.evil.test';
const LOOKALIKE_ENTRA = 'east.cognitiveservices.azure.com.evil.test';
const AZURE = 'east.openai.azure.com';

describe('credentials go only to Azure OpenAI / AI Services hosts and loopback', () => {
  it('a lookalike host gets neither key nor token, by request or probe, and is never even looked up', async () => {
    const local = await okBackend('local');
    const c = countingSource({ local: 'KEY-LOCAL-000000', azure: 'KEY-AZURE-000000', evil: 'KEY-EVIL-0000000' });
    const { url, proxy } = await startProxy({
      backends: [
        { name: 'local', endpoint: local.url, deployments: ['gpt'] },
        { name: 'azure', endpoint: `https://${AZURE}`, deployments: ['azure-only'] },
        { name: 'evil', endpoint: `https://${LOOKALIKE}`, deployments: ['evil-only'] },
        { name: 'evilEntra', endpoint: `https://${LOOKALIKE_ENTRA}`, auth: 'entra', deployments: ['evil-entra-only'] },
      ],
    }, { credentials: c.source });

    // Positive controls: loopback gets its key over a real socket; an Azure host
    // is asked a key for and looked up (answered ENOTFOUND here, so nothing leaves).
    expect((await send(url, { path: chatPath('gpt'), body: CHAT })).status).toBe(200);
    expect(local.requests[0]?.headers['api-key']).toBe('KEY-LOCAL-000000');
    await send(url, { path: chatPath('azure-only'), body: CHAT });
    expect(c.keyCalls).toContain('azure');
    expect(lookups).toContain(AZURE);

    // The lookalikes: a request that only they could serve fails with the reason.
    for (const alias of ['evil-only', 'evil-entra-only']) {
      const r = await send(url, { path: chatPath(alias), body: CHAT });
      expect(r.status, alias).toBeGreaterThanOrEqual(400);
      expect(r.body, alias).toContain('.evil.test');
    }
    await proxy.probeNow();
    expect(lookups).toContain(AZURE); // the probe reached the allowed host's lookup
    expect(c.keyCalls).not.toContain('evil');
    expect(c.tokenCalls()).toBe(0);
    expect(lookups.filter((h) => h.endsWith('.evil.test'))).toEqual([]);

    const health = await send(url, { path: '/_pool/health', key: null });
    const byName = Object.fromEntries((health.json().backends as { name: string; status: string; reason: string }[]).map((b) => [b.name, b]));
    for (const name of ['evil', 'evilEntra']) {
      expect(byName[name]?.status, name).toBe('hostRefused');
      // What, why, how to allow.
      expect(byName[name]?.reason).toMatch(/^no credential sent to east\.(openai|cognitiveservices)\.azure\.com\.evil\.test: /);
      expect(byName[name]?.reason).toContain('*.openai.azure.com');
      expect(byName[name]?.reason).toMatch(/aoaiPool\.security\.credentialHosts|--allow-credential-host/);
    }
    expect(health.body).not.toContain('KEY-');
  });

  it('a host the user allows gets credentials, live, without a restart', async () => {
    const allowed: string[] = [];
    const c = countingSource({ evil: 'KEY-EVIL-0000000' }, { credentialHosts: () => allowed });
    const { url, proxy } = await startProxy({ backends: [{ name: 'evil', endpoint: `https://${LOOKALIKE}` }] }, { credentials: c.source });
    expect(proxy.snapshots()[0]?.status).toBe('hostRefused');
    await send(url, { path: chatPath('x'), body: CHAT });
    expect(c.keyCalls).not.toContain('evil');
    expect(lookups).toEqual([]);

    allowed.push('*.evil.test');
    proxy.credentialsChanged();
    expect(proxy.snapshots()[0]?.status).not.toBe('hostRefused');
    await send(url, { path: chatPath('x'), body: CHAT });
    expect(c.keyCalls).toContain('evil');
    expect(lookups).toContain(LOOKALIKE);
  });
});

describe('a withheld backend (a workspace backend not yet approved) gets nothing at all', () => {
  it('no request, no probe, no key, no token until released; then its own key', async () => {
    const waiting = await okBackend('waiting');
    const waitingEntra = await okBackend('waitingEntra');
    let withhold = true;
    const c = countingSource({ waiting: 'KEY-WAITING-0000' }, {
      withheld: () => (withhold ? { state: 'awaitingApproval', reason: 'from the workspace: review it first' } : undefined),
    });
    const { url, proxy } = await startProxy({
      backends: [
        { name: 'waiting', endpoint: waiting.url, deployments: ['w'] },
        { name: 'waitingEntra', endpoint: waitingEntra.url, auth: 'entra', deployments: ['we'] },
      ],
    }, { credentials: c.source });
    expect(proxy.snapshots().map((s) => s.status)).toEqual(['awaitingApproval', 'awaitingApproval']);
    for (const alias of ['w', 'we']) {
      const r = await send(url, { path: chatPath(alias), body: CHAT });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.body).toContain('review it first');
    }
    await proxy.probeNow();
    expect(waiting.requests).toEqual([]);
    expect(waitingEntra.requests).toEqual([]);
    expect(c.keyCalls).toEqual([]);
    expect(c.tokenCalls()).toBe(0);

    // Released (the user approved): the same sockets now get their own credentials.
    withhold = false;
    proxy.credentialsChanged();
    expect((await send(url, { path: chatPath('w'), body: CHAT })).status).toBe(200);
    expect((await send(url, { path: chatPath('we'), body: CHAT })).status).toBe(200);
    expect(waiting.requests.at(-1)?.headers['api-key']).toBe('KEY-WAITING-0000');
    expect(waitingEntra.requests.at(-1)?.headers.authorization).toBe('Bearer entra-token-0123456789');
  });
});
