/**
 * A canary key is planted where real keys live (the environment for the CLI,
 * the credential source for the core) and then every failure path is driven.
 * Nothing the program emits may contain it: logs, error bodies, headers,
 * /_pool/health, events, validation messages, generated files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT, CLIENT_KEY, chatPath, closeAll, send, startBackend, startProxy } from '../helpers/net';
import { envCredentialSource } from '../../src/core/auth/credentials';
import { validateConfig, formatIssue } from '../../src/core/config';
import { generateApim } from '../../src/core/generators';

afterEach(closeAll);

const CANARY = 'c4a7a11e5e1f4c0bb1e2d3f4a5b6c7d8';
const TOKEN_CANARY = 'eyJ0eXAiOiJKV1QiCANARYTOKEN0123456789';

describe('canary key', () => {
  it('never appears in anything the proxy emits, on any failure path', async () => {
    const emitted: string[] = [];
    const echo = await startBackend((req, res) => {
      // A hostile backend echoing the credential it received, in body and headers.
      const got = String(req.headers['api-key'] ?? req.headers.authorization ?? '');
      res.writeHead(401, { 'content-type': 'application/json', 'x-echo': got });
      res.end(JSON.stringify({ error: { code: '401', message: `invalid key ${got}` } }));
    });
    const boom = await startBackend((req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error while using ${String(req.headers['api-key'])}`);
    });
    const throttle = await startBackend((_q, res) => {
      res.writeHead(429, { 'retry-after': 'garbage' });
      res.end();
    });
    const hang = await startBackend(() => undefined);
    const reset = await startBackend((req) => void req.socket.destroy());
    const env = { AOAI_POOL_KEY_ECHO: CANARY, AOAI_POOL_KEY_BOOM: CANARY, AOAI_POOL_KEY_THROTTLE: CANARY, AOAI_POOL_KEY_HANG: CANARY, AOAI_POOL_KEY_RESET: CANARY };
    const creds = envCredentialSource(env, { getToken: async () => { throw new Error(`AADSTS70043: token ${TOKEN_CANARY} expired`); } });
    const { url, proxy, logs } = await startProxy({
      timeouts: { headersMs: 200 },
      backends: [
        { name: 'echo', endpoint: echo.url, priority: 1, deployments: ['a'] },
        { name: 'boom', endpoint: boom.url, priority: 1, deployments: ['b'] },
        { name: 'throttle', endpoint: throttle.url, priority: 1, deployments: ['c'] },
        { name: 'hang', endpoint: hang.url, priority: 1, deployments: ['d'] },
        { name: 'reset', endpoint: reset.url, priority: 1, deployments: ['e'] },
        { name: 'entra', endpoint: echo.url, auth: 'entra', deployments: ['f'] },
        { name: 'nokey', endpoint: echo.url, deployments: ['g'] },
      ],
    }, { credentials: creds });
    proxy.on('request', (r) => emitted.push(JSON.stringify(r)));
    proxy.on('state', (s) => emitted.push(JSON.stringify(s)));
    for (const alias of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'missing']) {
      const r = await send(url, { path: chatPath(alias), body: CHAT }).catch((e: Error) => ({ status: 0, headers: {}, body: e.message }));
      emitted.push(r.body, JSON.stringify(r.headers));
    }
    for (const [key, path] of [[CANARY, chatPath('a')], [null, chatPath('a')], [CLIENT_KEY, '/_pool/health'], [CLIENT_KEY, '/v1/models']] as const) {
      const r = await send(url, { path, body: path.startsWith('/_pool') || path.startsWith('/v1/models') ? undefined : CHAT, key });
      emitted.push(r.body, JSON.stringify(r.headers));
    }
    await proxy.probeNow();
    emitted.push(JSON.stringify(proxy.snapshots()));
    const all = [...emitted, ...logs].join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).toContain('invalid key ***'); // the echo really happened, masked
    expect(all).not.toContain(CANARY);
    expect(all).not.toContain(TOKEN_CANARY);
  });

  it('never appears in validation errors or generated APIM files', () => {
    const bad = validateConfig({ backends: [{ name: 'a', endpoint: `https://a.openai.azure.com/?api-key=${CANARY}`, apiKey: CANARY, apiKeyEnv: CANARY }] });
    expect(bad.ok).toBe(false);
    const text = JSON.stringify(bad) + (bad.ok ? '' : bad.errors.map(formatIssue).join('\n'));
    expect(text).not.toContain(CANARY);

    const good = validateConfig({ backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com' }, { name: 'b', endpoint: 'https://b.openai.azure.com', auth: 'entra' }] });
    if (!good.ok) throw new Error();
    const before = process.env.AOAI_POOL_KEY_A;
    process.env.AOAI_POOL_KEY_A = CANARY;
    try {
      const out = generateApim(good.config, {});
      expect(out.ok).toBe(true);
      expect(JSON.stringify(out)).not.toContain(CANARY);
    } finally {
      if (before === undefined) delete process.env.AOAI_POOL_KEY_A;
      else process.env.AOAI_POOL_KEY_A = before;
    }
  });
});
