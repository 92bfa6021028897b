/**
 * A canary key is planted where real keys live (the environment for the CLI,
 * the credential source for the core) and then every failure path is driven.
 * Nothing the program emits may contain it: logs, error bodies, headers,
 * /_pool/health, events, validation messages, generated files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT, CLIENT_KEY, chatPath, closeAll, send, sleep, startBackend, startProxy } from '../helpers/net';
import { envCredentialSource } from '../../src/core/auth/credentials';
import { validateConfig, formatIssue } from '../../src/core/config';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await closeAll();
});

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
      timeouts: { headersSec: 0.2 },
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

  it('never appears in validation errors', () => {
    const bad = validateConfig({ backends: [{ name: 'a', endpoint: `https://a.openai.azure.com/?api-key=${CANARY}`, apiKey: CANARY, apiKeyEnv: CANARY }] });
    expect(bad.ok).toBe(false);
    const text = JSON.stringify(bad) + (bad.ok ? '' : bad.errors.map(formatIssue).join('\n'));
    expect(text).not.toContain(CANARY);
  });

  // The keys the CLI reads come from the environment. This used to set
  // AOAI_POOL_KEY_A around an in-process generateApim(), which reads no
  // environment at all, so it could not fail (issue 9). Now the real CLI runs
  // with the canary where it looks for keys, and must use it without showing it.
  it('serve uses a key from its environment and never prints it, even when a backend echoes it', async () => {
    const echo = await startBackend((req, res) => {
      const got = String(req.headers['api-key'] ?? '');
      res.writeHead(401, { 'content-type': 'application/json', 'x-echo': got });
      res.end(JSON.stringify({ error: { code: '401', message: `invalid key ${got}` } }));
    });
    const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-canary-'));
    const file = join(dir, 'aoai-pool.json');
    writeFileSync(file, JSON.stringify({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name: 'echo', endpoint: echo.url, deployments: ['a'] }] }));
    const p = cli(['serve', '-c', file, '--verbose'], { AOAI_POOL_KEY_ECHO: CANARY, AOAI_POOL_CLIENT_KEY: CLIENT_KEY });
    const url = /listening on (\S+)/.exec(await p.until(/Stop with/))![1]!;
    const r = await send(url, { path: chatPath('a'), body: CHAT });
    expect(echo.requests[0]!.headers['api-key']).toBe(CANARY); // the variable was read and used
    expect(r.json().error.message).toBe('invalid key ***'); // and the echo came back masked
    p.child.kill('SIGTERM');
    await p.exited;
    expect(p.output()).toMatch(/status=401/);
    expect(p.output() + r.body + JSON.stringify(r.headers)).not.toContain(CANARY);
  });

  it('generate apim never writes a key from its environment into the files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-canary-apim-'));
    const file = join(dir, 'aoai-pool.json');
    writeFileSync(file, JSON.stringify({ backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com' }, { name: 'b', endpoint: 'https://b.openai.azure.com', auth: 'entra' }] }));
    const p = cli(['generate', 'apim', '-c', file, '-o', join(dir, 'out')], { AOAI_POOL_KEY_A: CANARY });
    expect(await p.exited).toBe(0);
    const files = readdirSync(join(dir, 'out')).map((f) => readFileSync(join(dir, 'out', f), 'utf8'));
    // Positive control: the output does have the slot where backend a's key would go (a secure parameter az asks for).
    expect(files.join('\n')).toMatch(/@secure\(\)\s*param apiKeyA/);
    expect(files.join('\n') + p.output()).not.toContain(CANARY);
  });
});

/** Runs the built CLI; output() is stdout and stderr together. */
function cli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [join(__dirname, '../../dist/cli.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  children.push(child);
  return {
    child, exited,
    output: () => out,
    async until(re: RegExp): Promise<string> {
      for (let i = 0; i < 400 && !re.test(out); i++) await sleep(25);
      if (!re.test(out)) throw new Error(`no ${re} in:\n${out}`);
      return out;
    },
  };
}
