/** The CLI as users run it: `node dist/cli.js`, real processes, real sockets. */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAll, okBackend, send, sleep, chatPath, CHAT } from '../helpers/net';

const CLI = join(__dirname, '../../dist/cli.js');
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await closeAll();
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return {
    child, exited,
    out: () => out,
    err: () => err,
    async waitFor(re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
      for (let t = 0; t < ms; t += 25) {
        const m = re.exec(out);
        if (m) return m;
        if (child.exitCode !== null) break;
        await sleep(25);
      }
      throw new Error(`no ${re} in stdout:\n${out}\nstderr:\n${err}`);
    },
  };
}

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
    children.push(child);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 200 && !/Stop with/.test(out); i++) await sleep(25);
    const url = /listening on (\S+)/.exec(out)![1]!;
    const key = /client key: (\S+)/.exec(out)![1]!;
    expect(out).toMatch(/curl -s '.*\/chat\/completions\?api-version=/);
    const r = await send(url, { path: chatPath('gpt-4o-mini'), body: CHAT, key });
    expect(r.status).toBe(200);
    expect(r.json().choices[0].message.content).toMatch(/sim-[12]/);
    child.kill('SIGINT');
    await new Promise((r2) => child.on('exit', r2));
    expect(child.exitCode).toBe(0);
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
