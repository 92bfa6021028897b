/** The CLI as users run it: `node dist/cli.js`, real processes, real sockets. */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import OpenAI, { AzureOpenAI } from 'openai';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAll, okBackend, send, sleep, chatPath, CHAT } from '../helpers/net';
import { CLI, runCli, stopCliChildren, trackChild } from '../helpers/cli';

const run = runCli;

afterEach(async () => {
  stopCliChildren();
  await closeAll();
});

function configFile(obj: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-cli-'));
  const file = join(dir, 'aoai-pool.json');
  writeFileSync(file, JSON.stringify(obj));
  return file;
}

describe('aoai-pool CLI', () => {
  it('serve: listens, proxies with the key from the environment, and stops cleanly on SIGTERM', async () => {
    const b = await okBackend('b');
    const file = configFile({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name: 'east-1', endpoint: b.url, deployments: ['gpt-4o'] }] });
    const p = run(['serve', '--config', file], { AOAI_POOL_CLIENT_KEY: 'cli-client-key-123', AOAI_POOL_KEY_EAST_1: 'east-key-0000000' });
    const [, url] = await p.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const r = await send(url!, { path: chatPath('gpt-4o'), body: CHAT, key: 'cli-client-key-123' });
    expect(r.status).toBe(200);
    expect(b.requests[0]!.headers['api-key']).toBe('east-key-0000000');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.err()).not.toContain('east-key-0000000');
  });

  it('serve with no config runs the demo on three simulated backends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-demo-'));
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 200 && !/Stop with/.test(out); i++) await sleep(25);
    const url = /listening on (\S+)/.exec(out)![1]!;
    const key = /export AOAI_POOL_CLIENT_KEY=(\S+)/.exec(out)![1]!;
    expect(out).toMatch(/curl -s '.*\/chat\/completions\?api-version=/);
    const r = await send(url, { path: chatPath('gpt-4o-mini'), body: CHAT, key });
    expect(r.status).toBe(200);
    expect(r.json().choices[0].message.content).toMatch(/sim-[12]/);
    child.kill('SIGINT');
    await new Promise((r2) => child.on('exit', r2));
    expect(child.exitCode).toBe(0);
  });

  it('serve never prints a client key given in AOAI_POOL_CLIENT_KEY, on stdout or in the log', async () => {
    const b = await okBackend('b');
    const KEY = 'env-client-key-c4n4ry-0123456789';
    const file = configFile({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] });
    const p = run(['serve', '-c', file, '--verbose'], { AOAI_POOL_CLIENT_KEY: KEY, AOAI_POOL_KEY_B: 'kb-000000000000' });
    const [, url] = await p.waitFor(/listening on (\S+)/);
    await p.waitFor(/Stop with Ctrl\+C/);
    // The key is live (positive control), and wrong keys that contain it are logged as refusals.
    expect((await send(url!, { path: chatPath('gpt-4o'), body: CHAT, key: KEY })).status).toBe(200);
    expect((await send(url!, { path: chatPath('gpt-4o'), body: CHAT, key: `${KEY}-but-longer` })).status).toBe(401);
    expect(p.out()).toMatch(/Client key: the one in AOAI_POOL_CLIENT_KEY \(not shown\)/);
    expect(p.out()).toContain('-H "api-key: $AOAI_POOL_CLIENT_KEY"');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.err()).toMatch(/POST \/openai\/deployments\/gpt-4o\/chat\/completions .*status=200/); // the log did record the requests
    expect(p.out() + p.err()).not.toContain(KEY);
  });

  it('serve shows a generated key exactly once, and its environment lines make the SDKs work with no arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-env-'));
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--demo'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AOAI_POOL_CLIENT_KEY: '' } });
    trackChild(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    for (let i = 0; i < 400 && !/Stop with/.test(out); i++) await sleep(25);
    const key = /export AOAI_POOL_CLIENT_KEY=(aoai-pool-\S+)/.exec(out)![1]!;
    // What a user pastes into a shell: run the printed export lines in sh and read back the environment.
    const lines = out.split('\n').filter((l) => /^ {2}export [A-Z_]+=/.test(l));
    expect(lines.map((l) => /export ([A-Z_]+)=/.exec(l)![1])).toEqual(['AOAI_POOL_CLIENT_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'OPENAI_API_VERSION']);
    const shell = spawnSync('sh', ['-c', `${lines.join('\n')}\nenv`], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    const env = Object.fromEntries(shell.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const vars = ['AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_API_VERSION'];
    const before = Object.fromEntries(vars.map((v) => [v, process.env[v]]));
    try {
      for (const v of vars) process.env[v] = env[v];
      expect(process.env.OPENAI_API_KEY).toBe(key);
      for (const client of [new OpenAI(), new AzureOpenAI()]) {
        const models: string[] = [];
        for await (const m of client.models.list()) models.push(m.id);
        expect(models).toContain('gpt-4o-mini');
        const chat = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
        expect(chat.choices[0]!.message.content).toMatch(/Hello from sim-\d/);
        const resp = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
        expect(resp.id).toMatch(/^resp_/);
      }
    } finally {
      for (const v of vars) {
        if (before[v] === undefined) delete process.env[v];
        else process.env[v] = before[v];
      }
    }
    child.kill('SIGINT');
    await new Promise((r2) => child.on('exit', r2));
    // Shown once, as the line that exports it; never in the log.
    expect((out + err).split(key).length - 1).toBe(1);
  });

  it('keeps seeing config edits saved by rename (write a temp file, rename it over), twice in a row', async () => {
    const a = await okBackend('a');
    const b = await okBackend('b');
    const file = configFile({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name: 'a', endpoint: a.url }] });
    const p = run(['serve', '-c', file], { AOAI_POOL_CLIENT_KEY: 'k-123456789', AOAI_POOL_KEY_A: 'ka-000000000', AOAI_POOL_KEY_B: 'kb-000000000' });
    const [, url] = await p.waitFor(/listening on (\S+)/);
    const served = async () => (await send(url!, { path: chatPath('x'), body: CHAT, key: 'k-123456789' })).headers['x-aoai-pool-backend'];
    expect(await served()).toBe('a');
    const saveByRename = (backend: { url: string }, name: string) => {
      const tmp = `${file}.${name}.tmp`;
      writeFileSync(tmp, JSON.stringify({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name, endpoint: backend.url }] }));
      renameSync(tmp, file);
    };
    const reloads = () => p.err().split('reloaded').length - 1;
    for (const [backend, name, n] of [[b, 'b', 1], [a, 'a', 2]] as const) {
      saveByRename(backend, name);
      for (let i = 0; i < 200 && reloads() < n; i++) await sleep(25);
      expect(reloads(), `save ${n}`).toBe(n);
      expect(await served(), `save ${n}`).toBe(name);
    }
  });

  it('reloads the config file on change; a bad edit keeps the last good pool', async () => {
    const a = await okBackend('a');
    const b = await okBackend('b');
    const file = configFile({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name: 'a', endpoint: a.url }] });
    const p = run(['serve', '-c', file], { AOAI_POOL_CLIENT_KEY: 'k-123456789', AOAI_POOL_KEY_A: 'ka-000000000', AOAI_POOL_KEY_B: 'kb-000000000' });
    const [, url] = await p.waitFor(/listening on (\S+)/);
    writeFileSync(file, '{"backends": [{"name": "a", "endpoint": "https://a.openai.azure.com", "wieght": 2}]}');
    for (let i = 0; i < 80 && !/invalid/.test(p.err()); i++) await sleep(25);
    expect(p.err()).toMatch(/invalid; the last good pool keeps serving/);
    expect(p.err()).toMatch(/backends\[0\]\.wieght: unknown field; did you mean "weight"/);
    expect((await send(url!, { path: chatPath('x'), body: CHAT, key: 'k-123456789' })).headers['x-aoai-pool-backend']).toBe('a');
    writeFileSync(file, JSON.stringify({ port: 0, backends: [{ name: 'b', endpoint: b.url }] }));
    for (let i = 0; i < 80 && !/reloaded/.test(p.err()); i++) await sleep(25);
    expect((await send(url!, { path: chatPath('x'), body: CHAT, key: 'k-123456789' })).headers['x-aoai-pool-backend']).toBe('b');
  });

  it('check: exit 0 for a good file, 1 with every problem for a bad one', async () => {
    const good = run(['check', '--config', configFile({ backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com' }] })]);
    expect(await good.exited).toBe(0);
    expect(good.out()).toMatch(/ok \(1 backend, port 8787\)/);
    const bad = run(['check', '--config', configFile({ backends: [{ name: 'a', endpoint: 'http://a.example.com', weight: 0, apiKey: 'x' }] })]);
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toMatch(/3 problems/);
    expect(bad.err()).toMatch(/backends\[0\]\.apiKey: refused: keys never live in the config/);
    const missing = run(['check', '--config', '/nonexistent/aoai-pool.json']);
    expect(await missing.exited).toBe(1);
    expect(missing.err()).toMatch(/cannot read the config file \(no such file\)/);
  });

  it('--help everywhere, and a clear error for unknown commands and options', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['check', '--help'], ['simulate', '--help'], ['generate', 'apim', '--help']]) {
      const p = run(args);
      expect(await p.exited, args.join(' ')).toBe(0);
      expect(p.out(), args.join(' ')).toMatch(/Usage: aoai-pool/);
    }
    const unknown = run(['frobnicate']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.err()).toMatch(/unknown command "frobnicate"/);
    const badOpt = run(['serve', '--prot', '1']);
    expect(await badOpt.exited).toBe(2);
    expect(badOpt.err()).toMatch(/--prot/);
  });

  it('serve sends credentials only to Azure and loopback hosts unless a flag or the environment allows more (not the config file)', async () => {
    const file = configFile({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name: 'gw', endpoint: 'https://gw.contoso.test' }] });
    const statusOf = async (p: ReturnType<typeof run>) => {
      const [, url] = await p.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const h = (await send(url!, { path: '/_pool/health', key: null })).json() as { backends: { status: string; reason?: string }[] };
      p.child.kill('SIGTERM');
      await p.exited;
      return h.backends[0]!;
    };
    const refused = await statusOf(run(['serve', '-c', file], { AOAI_POOL_KEY_GW: 'gw-key-000000000' }));
    expect(refused.status).toBe('hostRefused');
    expect(refused.reason).toContain('--allow-credential-host gw.contoso.test');
    const byFlag = await statusOf(run(['serve', '-c', file, '--allow-credential-host', 'gw.contoso.test'], { AOAI_POOL_KEY_GW: 'gw-key-000000000' }));
    expect(byFlag.status).not.toBe('hostRefused');
    const byEnv = await statusOf(run(['serve', '-c', file], { AOAI_POOL_KEY_GW: 'gw-key-000000000', AOAI_POOL_CREDENTIAL_HOSTS: 'x.example.test, *.contoso.test' }));
    expect(byEnv.status).not.toBe('hostRefused');

    // A config file cannot widen it: it may come from anyone (a cloned repository).
    const fromFile = run(['serve', '-c', configFile({ port: 0, credentialHosts: ['gw.contoso.test'], backends: [{ name: 'gw', endpoint: 'https://gw.contoso.test' }] })]);
    expect(await fromFile.exited).toBe(1);
    expect(fromFile.err()).toMatch(/credentialHosts: unknown field/);

    const bad = run(['serve', '-c', file, '--allow-credential-host', 'https://gw.contoso.test']);
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toMatch(/--allow-credential-host.*no scheme/);
  });

  it('serve refuses a port in use with a clear message', async () => {
    const b = await okBackend('b');
    const file = configFile({ port: b.port, backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com' }] });
    const p = run(['serve', '-c', file]);
    expect(await p.exited).toBe(1);
    expect(p.err()).toMatch(/already in use/);
  });
});
