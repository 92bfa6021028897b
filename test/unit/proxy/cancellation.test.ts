/**
 * A client that leaves cancels everything its request started, whatever the
 * proxy was waiting for at that moment (issue 9): no handler outlives its
 * client by more than a second, and no upstream request is left open. Each
 * case disconnects at one await, then checks (a) the backend side saw its
 * request closed, or never saw one, and (b) the handler finished.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { Agent } from 'undici';
import { CHAT, CLIENT_KEY, chatPath, closeAll, nextRecord, send, startBackend, startProxy, within } from '../../helpers/net';
import { ClientGone, ClientLeftError, isClientLeft } from '../../../src/core/proxy/context';
import { Exchange } from '../../../src/core/proxy/exchange';
import type { TokenCredentialLike } from '../../../src/core/auth/token';
import type { CredentialSource } from '../../../src/core/auth/credentials';

afterEach(closeAll);

/** Starts a request and returns it unfinished, with the response when one comes. */
function open(port: number, body = CHAT, headers: Record<string, string> = {}): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const req = request({ host: '127.0.0.1', port, path: chatPath('x'), method: 'POST', agent: false, headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json', ...headers } });
  req.on('error', () => undefined);
  const response = new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
  req.end(body);
  return { req, response };
}

/** An Entra credential whose token comes only when the test says so. */
function slowCredential() {
  let release!: () => void;
  const token = new Promise<void>((r) => (release = r));
  let asked!: () => void;
  const wasAsked = new Promise<void>((r) => (asked = r));
  const cred: TokenCredentialLike = {
    async getToken() {
      asked();
      await token;
      return { token: 'entra-token-slow-0000', expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  const credentials: CredentialSource = { apiKey: () => 'key-000000000000', tokenCredential: () => cred };
  return { credentials, wasAsked, release };
}

/** Resolves once `cond()` holds; rejects after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  await within(new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (cond()) {
        clearInterval(t);
        resolve();
      }
    }, 10);
    setTimeout(() => clearInterval(t), ms + 50);
  }), ms, what);
}

/** A backend whose request sockets report their close. */
async function watchedBackend(handler: Parameters<typeof startBackend>[0]) {
  const closed: Promise<void>[] = [];
  const b = await startBackend(handler);
  b.server.on('connection', (s) => closed.push(once(s, 'close').then(() => undefined)));
  return { ...b, closed };
}

describe('the mechanism', () => {
  it('cancels what registers after the client left at once, and what registered before on abort', async () => {
    const gone = new ClientGone();
    const cancelled: string[] = [];
    gone.track({ cancel: () => cancelled.push('tracked') });
    gone.current = { cancel: () => cancelled.push('first attempt') };
    gone.current = { cancel: () => cancelled.push('second attempt') }; // the first (held) stays registered
    expect(cancelled).toEqual([]);
    gone.abort();
    expect(cancelled).toEqual(['tracked', 'first attempt', 'second attempt']);
    gone.track({ cancel: () => cancelled.push('late track') });
    gone.current = { cancel: () => cancelled.push('late attempt') };
    expect(cancelled.slice(3)).toEqual(['late track', 'late attempt']);
  });

  it('race: settles with the promise while the client stays, rejects the moment it leaves', async () => {
    const gone = new ClientGone();
    expect(await gone.race(Promise.resolve(7))).toBe(7);
    const never = new Promise<number>(() => undefined);
    const waiting = gone.race(never);
    gone.abort();
    const e = await waiting.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClientLeftError);
    expect(isClientLeft(e)).toBe(true);
    expect(isClientLeft(await gone.race(Promise.resolve(1)).catch((x: unknown) => x))).toBe(true);
  });

  it('an Exchange registered after the client left never reaches the backend, or is closed there', async () => {
    const b = await watchedBackend(() => undefined);
    const agent = new Agent();
    try {
      const gone = new ClientGone();
      gone.abort();
      const exchange = new Exchange();
      gone.current = exchange;
      agent.dispatch({ origin: b.url, path: '/x', method: 'POST', headers: { 'content-type': 'application/json' }, body: CHAT }, exchange);
      await expect(within(exchange.response, 1000, 'the head')).rejects.toThrow(/client disconnected/);
      // Positive control: the same agent and backend serve an Exchange nobody cancelled.
      const ok = new Exchange();
      agent.dispatch({ origin: b.url, path: '/y', method: 'POST', headers: { 'content-type': 'application/json' }, body: CHAT }, ok);
      await until(() => b.requests.some((r) => r.url === '/y'), 2000, 'the control request');
      expect(b.requests.map((r) => r.url)).toEqual(['/y']);
      ok.cancel();
    } finally {
      await agent.destroy();
    }
  });
});

describe('a client that leaves', () => {
  it('while an Entra token is being fetched: the handler ends at once, and no upstream request starts afterwards', async () => {
    const b = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const slow = slowCredential();
    const { port, url, proxy } = await startProxy({ backends: [{ name: 'e', endpoint: b.url, auth: 'entra' }] }, { credentials: slow.credentials });
    const { req } = open(port);
    await within(slow.wasAsked, 2000, 'token requested');
    const finished = nextRecord(proxy, 1000);
    req.destroy();
    expect((await finished).error).toBe('client disconnected');
    slow.release();
    // Positive control after the token came: a request that stays is served, and it is the only one the backend saw.
    expect((await send(url, { path: chatPath('x'), body: CHAT })).status).toBe(200);
    expect(b.requests).toHaveLength(1);
  });

  it('during the body upload: the handler ends at once and nothing goes upstream', async () => {
    const b = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const { port, url, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    // Expect: 100-continue makes Node answer "100 Continue" when the handler starts: then we know it is reading the body.
    const req = request({ host: '127.0.0.1', port, path: chatPath('x'), method: 'POST', agent: false, headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json', 'content-length': '1000', expect: '100-continue' } });
    req.on('error', () => undefined);
    req.flushHeaders();
    await within(once(req, 'continue'), 2000, 'the handler started');
    req.write('{"messages":');
    const finished = nextRecord(proxy, 1000);
    req.destroy();
    expect((await finished).error).toBe('client disconnected');
    expect((await send(url, { path: chatPath('x'), body: CHAT })).status).toBe(200);
    expect(b.requests).toHaveLength(1);
  });

  it('between failover attempts: the next attempt never starts, the handler ends', async () => {
    const first = await startBackend((_q, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"503","message":"busy"}}');
    });
    const second = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const slow = slowCredential();
    const { port, url, proxy } = await startProxy({ backends: [
      { name: 'first', endpoint: first.url, priority: 1 },
      { name: 'second', endpoint: second.url, priority: 2, auth: 'entra' },
    ] }, { credentials: slow.credentials });
    const { req } = open(port);
    await within(slow.wasAsked, 2000, 'the second attempt asks for a token');
    expect(first.requests).toHaveLength(1);
    const finished = nextRecord(proxy, 1000);
    req.destroy();
    expect((await finished).error).toBe('client disconnected');
    // The first attempt's 503 was read to its end (its connection is reusable); the second must not start later.
    slow.release();
    // Positive control: a request that stays goes first -> second, so second did hear from the pool; never the abandoned one.
    const control = JSON.stringify({ messages: [{ role: 'user', content: 'control' }] });
    expect((await send(url, { path: chatPath('x'), body: control })).headers['x-aoai-pool-backend']).toBe('second');
    expect(second.requests.map((r) => r.body)).toEqual([control]);
  });

  it('after a failover, while the next backend is yet to answer: that request is closed and the handler ends', async () => {
    const reset = await startBackend((req) => void req.socket.destroy());
    const hang = await watchedBackend(() => undefined);
    const { port, proxy } = await startProxy({ backends: [
      { name: 'reset', endpoint: reset.url, priority: 1 },
      { name: 'hang', endpoint: hang.url, priority: 2 },
    ] });
    const { req } = open(port);
    await within(new Promise<void>((r) => hang.server.once('request', () => r())), 2000, 'the second attempt reached its backend');
    expect(reset.requests).toHaveLength(1);
    const finished = nextRecord(proxy, 1000);
    req.destroy();
    const record = await finished;
    expect(record.error).toBe('client disconnected');
    expect(record.attempts).toBe(2);
    await within(Promise.all(hang.closed), 1000, "the second backend's connection closed");
  });

  it('while response headers are pending: the upstream request is closed and the handler ends', async () => {
    const b = await watchedBackend(() => undefined); // never answers
    const { port, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const { req } = open(port);
    await within(new Promise<void>((r) => b.server.once('request', () => r())), 2000, 'the backend got the request');
    const finished = nextRecord(proxy, 1000);
    req.destroy();
    expect((await finished).error).toBe('client disconnected');
    await within(Promise.all(b.closed), 1000, 'the upstream connection closed');
    expect(proxy.snapshots()[0]!.failures).toBe(0);
  });

  it('mid-stream: the upstream stream is closed and the handler ends', async () => {
    const b = await watchedBackend(async (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const t = setInterval(() => res.write('data: {"n":1}\n\n'), 20);
      res.on('close', () => clearInterval(t));
    });
    const { port, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const { req, response } = open(port, JSON.stringify({ messages: [], stream: true }));
    const res = await within(response, 2000, 'the response');
    await once(res, 'data');
    const finished = nextRecord(proxy, 1000);
    req.destroy();
    expect((await finished).error).toBe('client disconnected');
    await within(Promise.all(b.closed), 1000, 'the upstream connection closed');
  });
});
