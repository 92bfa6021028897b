/** Real sockets for tests: fake Azure OpenAI backends and a proxy on 127.0.0.1 port 0. */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { ProxyServer } from '../../src/core/proxy/server';
import { validateConfig } from '../../src/core/config/validate';
import type { CredentialSource } from '../../src/core/auth/credentials';
import type { Logger } from '../../src/core/log';
import type { RequestRecord } from '../../src/core/events';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeBackend {
  url: string;
  port: number;
  requests: Received[];
  server: Server;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

const cleanups: (() => Promise<void>)[] = [];

/** Call in afterEach: closes every server and proxy the test started. */
export async function closeAll(): Promise<void> {
  const list = cleanups.splice(0);
  await Promise.all(list.map((c) => c().catch(() => undefined)));
}

export async function startBackend(handler: Handler): Promise<FakeBackend> {
  const requests: Received[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      void handler(req, res, body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  cleanups.push(close);
  return { url: `http://127.0.0.1:${port}`, port, requests, server, close };
}

/** A backend answering every request with a small chat completion naming itself. */
export function okBackend(name: string, extraHeaders: Record<string, string> = {}): Promise<FakeBackend> {
  return startBackend((_req, res) => {
    const body = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ message: { role: 'assistant', content: `hi from ${name}` } }] });
    res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining-requests': '99', 'x-ratelimit-remaining-tokens': '9000', ...extraHeaders });
    res.end(body);
  });
}

export const CLIENT_KEY = 'test-client-key-0123456789';

export interface ProxyHandle {
  proxy: ProxyServer;
  url: string;
  port: number;
  logs: string[];
}

export async function startProxy(raw: Record<string, unknown>, opts: { keys?: Record<string, string>; credentials?: CredentialSource } = {}): Promise<ProxyHandle> {
  const result = validateConfig({ port: 0, healthProbe: { intervalSec: 0 }, ...raw });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const logs: string[] = [];
  const logger: Logger = { debug: (m) => logs.push(m), info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };
  const keys = opts.keys ?? {};
  const credentials: CredentialSource = opts.credentials ?? { apiKey: (b) => keys[b.name] ?? `key-for-${b.name}-000000`, tokenCredential: () => undefined };
  const proxy = new ProxyServer({ config: result.config, clientKey: CLIENT_KEY, credentials, logger });
  await proxy.start();
  cleanups.push(() => proxy.close());
  return { proxy, url: proxy.url, port: proxy.port, logs };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body exactly as it came, still compressed if it was. */
  bytes: Buffer;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A raw HTTP request (no fetch: fetch adds Origin-free but opinionated headers and hides framing). */
export function send(url: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; key?: string | null } = {}): Promise<Reply> {
  const u = new URL(url);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key !== null) headers['api-key'] ??= opts.key ?? CLIENT_KEY;
  if (opts.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: u.port, method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), path: opts.path ?? '/', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const body = bytes.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, bytes, json: () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const CHAT = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });
export const chatPath = (alias: string) => `/openai/deployments/${alias}/chat/completions?api-version=2024-10-21`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes raw bytes to the proxy and returns whatever comes back before the socket closes or `ms` passes. */
export async function rawRequest(port: number, text: string | Buffer, ms = 1500): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1', () => s.write(text));
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, ms);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', done);
    s.on('error', done);
  });
}

/**
 * Like rawRequest, and says whether the server closed the connection (rather
 * than the wait running out).
 */
export async function rawExchange(port: number, text: string | Buffer, ms = 1500): Promise<{ reply: string; closedByServer: boolean }> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1', () => s.write(text));
    const done = (closedByServer: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ reply: Buffer.concat(chunks).toString('latin1'), closedByServer });
    };
    const timer = setTimeout(() => done(false), ms);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => done(true));
    s.on('close', () => done(true));
    s.on('error', () => done(true));
  });
}

/**
 * The next `request` event (one per finished request handler) that passes
 * `pred`; rejects if none comes within `ms`, so a bound on it cannot hold for
 * a handler that never finishes.
 */
export function nextRecord(proxy: ProxyServer, ms: number, pred: (r: RequestRecord) => boolean = () => true): Promise<RequestRecord> {
  return new Promise((resolve, reject) => {
    const off = proxy.on('request', (r) => {
      if (!pred(r)) return;
      clearTimeout(timer);
      off();
      resolve(r);
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no request event within ${ms} ms`));
    }, ms);
  });
}

/** Rejects unless `p` settles within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The status code of the first response in a raw reply ('' when none). */
export function rawStatus(reply: string): string {
  return /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? '';
}
