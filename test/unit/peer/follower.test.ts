/**
 * Issue 13, "Many windows, one pool": a window whose port is held by another
 * window's pool follows it (reads its /_pool/health) and takes the port over
 * when it goes. Real sockets throughout: owner proxies on ports the OS picks,
 * followers polling them, contenders binding the same port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { CHAT, CLIENT_KEY, chatPath, closeAll, okBackend, send, sleep, startBackend, startProxy, within } from '../../helpers/net';
import { heldByPeer, parsePeerHealth, PeerFollower, probePeer, type FollowerOptions, type PeerHealth } from '../../../src/core/peer/follower';
import type { ProxyServer } from '../../../src/core/proxy/server';

const followers: PeerFollower[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const f of followers.splice(0)) f.stop();
  for (const s of servers.splice(0)) s.close();
  await closeAll();
});

const AZURE_KEY = 'azure-key-must-never-leave-0123456789';

function follow(port: number, opts: Partial<FollowerOptions> = {}): PeerFollower {
  const f = new PeerFollower({ port, clientKey: () => CLIENT_KEY, onHealth: () => undefined, onGone: () => undefined, intervalMs: 100, confirmMs: [100, 300], ...opts });
  followers.push(f.start());
  return f;
}

/** Resolves with the first health that passes `pred`, seen by a new follower of `port`. */
function healthWhere(port: number, pred: (h: PeerHealth) => boolean, opts: Partial<FollowerOptions> = {}): Promise<PeerHealth> {
  return new Promise((resolve) => follow(port, { ...opts, onHealth: (h) => pred(h) && resolve(h) }));
}

async function plainServer(handler: (res: import('node:http').ServerResponse) => void): Promise<number> {
  const s = createServer((_req, res) => handler(res));
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  servers.push(s);
  return (s.address() as { port: number }).port;
}

describe('probePeer', () => {
  it('knows our pool, and tells apart nothing listening, a foreign server and a pool with another key', async () => {
    const a = await okBackend('a');
    const { port } = await startProxy({ backends: [{ name: 'a', endpoint: a.url }] });
    const ours = await probePeer(port, CLIENT_KEY);
    expect(ours.kind).toBe('ours');
    expect(ours.kind === 'ours' && ours.health.backends.map((b) => b.name)).toEqual(['a']);
    // The CLI's pool (another key) answers /_pool/health too, but is not this install's.
    expect((await probePeer(port, 'another-install-key-0123456')).kind).toBe('foreign');
    const web = await plainServer((res) => res.end('<html>hello</html>'));
    expect((await probePeer(web, CLIENT_KEY)).kind).toBe('foreign');
    const closed = await plainServer(() => undefined);
    servers.pop()!.close();
    await sleep(50);
    expect(await probePeer(closed, CLIENT_KEY)).toEqual({ kind: 'gone', reason: 'nothing listens on the port' });
  });

  it('a server that takes the connection but never answers is unreachable (busy), not gone', async () => {
    const port = await plainServer(() => undefined);
    const p = await probePeer(port, CLIENT_KEY, { timeoutMs: 300 });
    expect(p.kind).toBe('unreachable');
  });

  it('heldByPeer: only a PortInUse caused by our pool means "follow it"', async () => {
    const a = await okBackend('a');
    const { port } = await startProxy({ backends: [{ name: 'a', endpoint: a.url }] });
    const key = () => CLIENT_KEY;
    const err = await startProxy({ port, backends: [{ name: 'a', endpoint: a.url }] }).catch((e: unknown) => e);
    expect(await heldByPeer(err, port, key)).toBe(true);
    expect(await heldByPeer(err, port, () => 'another-install-key-0123456')).toBe(false);
    expect(await heldByPeer(new Error('EACCES'), port, key)).toBe(false);
    const web = await plainServer((res) => res.end('{}'));
    const webErr = await startProxy({ port: web, backends: [{ name: 'a', endpoint: a.url }] }).catch((e: unknown) => e);
    expect(await heldByPeer(webErr, web, key)).toBe(false);
  });
});

describe('parsePeerHealth', () => {
  it('refuses what is not an AOAI Pool health body, with a clear undefined', () => {
    expect(parsePeerHealth('not json')).toBeUndefined();
    expect(parsePeerHealth('{"status":"ok"}')).toBeUndefined();
    expect(parsePeerHealth('{"healthy":1,"total":1,"backends":[{"name":"a"}]}')).toBeUndefined();
    expect(parsePeerHealth('[]')).toBeUndefined();
  });
});

describe('PeerFollower', () => {
  it('shows the owner\'s backends live: a backend that starts throttling shows as cooling', async () => {
    const hot = await startBackend((_q, res) => {
      res.writeHead(429, { 'retry-after': '30' });
      res.end();
    });
    const ok = await okBackend('ok');
    const { url, port } = await startProxy({ backends: [{ name: 'hot', endpoint: hot.url, priority: 1 }, { name: 'ok', endpoint: ok.url, priority: 2 }] });
    const first = await within(healthWhere(port, () => true), 5_000, 'first health');
    expect(first.backends.map((b) => [b.name, b.status])).toEqual([['hot', 'unknown'], ['ok', 'unknown']]);
    const cooling = within(healthWhere(port, (h) => h.backends.some((b) => b.name === 'hot' && b.status === 'cooling')), 5_000, 'hot cooling');
    expect((await send(url, { path: chatPath('x'), body: CHAT })).status).toBe(200);
    const h = await cooling;
    expect(h.backends.find((b) => b.name === 'ok')!.status).toBe('healthy');
    expect(h.backends.find((b) => b.name === 'hot')!.cooldownUntil).toBeGreaterThan(Date.now());
  });

  it('reads with the client key only, never records itself in the owner\'s request list, and sees no Azure key', async () => {
    const a = await okBackend('a');
    const { port } = await startProxy({ backends: [{ name: 'a', endpoint: a.url }] }, { keys: { a: AZURE_KEY } });
    let polls = 0;
    follow(port, { verifyKeyEveryMs: 0, onHealth: () => polls++ });
    const bodies: string[] = [];
    // A second follower whose every read is recorded as text.
    const probes = await Promise.all([1, 2, 3].map(() => probePeer(port, CLIENT_KEY)));
    for (const p of probes) if (p.kind === 'ours') bodies.push(p.body);
    await sleep(500);
    expect(bodies).toHaveLength(3);
    expect(bodies.join('')).not.toContain(AZURE_KEY);
    expect(polls).toBeGreaterThan(0);
    const requests = await send(`http://127.0.0.1:${port}`, { path: '/_pool/requests' });
    expect(requests.json().total).toBe(0);
  });

  it('an owner that restarts in a moment is not taken for gone', async () => {
    const a = await okBackend('a');
    const backends = [{ name: 'a', endpoint: a.url }];
    const first = await startProxy({ backends });
    let gone = 0;
    let healths = 0;
    follow(first.port, { confirmMs: [400, 400], onGone: () => gone++, onHealth: () => healths++ });
    await sleep(300);
    await first.proxy.close();
    // Longer than a poll interval, so a poll surely finds nobody; shorter than the pause before the second look.
    await sleep(200);
    await startProxy({ port: first.port, backends });
    await sleep(1_500);
    expect(healths).toBeGreaterThan(0);
    expect(gone).toBe(0);
  });

  it('owner goes away: the follower says so within a few seconds and a new owner serves the same port', async () => {
    const a = await okBackend('a');
    const backends = [{ name: 'a', endpoint: a.url }];
    const owner = await startProxy({ backends });
    const port = owner.port;
    let gone: (why: string) => void = () => undefined;
    const goneP = new Promise<string>((r) => (gone = r));
    const f = follow(port, { onGone: (why) => gone(why) });
    await within(healthWhere(port, () => true), 5_000, 'first health');
    await owner.proxy.close();
    expect(await within(goneP, 5_000, 'gone')).toBe('nothing listens on the port');
    expect(f.health?.backends.map((b) => b.name)).toEqual(['a']);
    const next = await startProxy({ port, backends });
    expect(next.port).toBe(port);
    const r = await send(`http://127.0.0.1:${port}`, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(200);
  });

  it('two followers race for the port: exactly one owns it, the other follows the winner without an error', async () => {
    const a = await okBackend('a');
    const backends = [{ name: 'a', endpoint: a.url }];
    const owner = await startProxy({ backends });
    const port = owner.port;
    const owners: ProxyServer[] = [];
    const errors: unknown[] = [];
    const following = new Set<string>();
    let lostRace = 0;
    // Both wait for each other after their first "gone", so both really try to bind at once.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothGone = new Promise<void>((r) => (release = r));
    // What the controller does when its follower reports the owner gone (controller.ts takeOver -> doStart).
    const contender = (name: string) => {
      following.add(name);
      follow(port, {
        onGone: async () => {
          following.delete(name);
          if (++arrived === 2) release();
          await bothGone;
          startProxy({ port, backends }).then(
            (p) => owners.push(p.proxy),
            async (e: unknown) => {
              if (await heldByPeer(e, port, () => CLIENT_KEY)) {
                lostRace++;
                contender(name);
              } else {
                errors.push(e);
              }
            },
          );
        },
      });
    };
    contender('A');
    contender('B');
    await sleep(300);
    await owner.proxy.close();
    for (let i = 0; i < 50 && owners.length === 0; i++) await sleep(100);
    await sleep(1_500);
    expect(errors).toEqual([]);
    expect(owners).toHaveLength(1);
    expect(owners[0]!.port).toBe(port);
    expect(lostRace).toBe(1);
    expect(following.size).toBe(1);
    expect((await send(`http://127.0.0.1:${port}`, { path: chatPath('x'), body: CHAT })).status).toBe(200);
  });
});
