#!/usr/bin/env node
/**
 * The reference for the quota benchmark (issue 10): a plain failover proxy
 * of the kind anyone writes in an afternoon. Round-robin over the backends;
 * a 429 rests that backend for its `retry-after-ms` (else Retry-After) and
 * the request tries the next one that is not resting; when all rest, the
 * last 429 goes to the client. No quota model, no queue.
 *
 * `node failoverProxy.mjs '<json: [{url, key}]>'` prints {"port":N}.
 */
import { createServer, request } from 'node:http';

const backends = JSON.parse(process.argv[2]).map((b) => ({ ...b, restUntil: 0 }));
let next = 0;

function send(b, req, body) {
  return new Promise((resolve) => {
    const u = new URL(req.url, b.url);
    const up = request(u, { method: req.method, headers: { 'content-type': 'application/json', 'api-key': b.key, 'content-length': body.length } }, (res) => resolve({ res }));
    up.on('error', (error) => resolve({ error }));
    up.end(body);
  });
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  let last;
  for (let tries = 0; tries < backends.length; tries++) {
    const b = backends[next++ % backends.length];
    if (b.restUntil > Date.now()) continue;
    const { res: up, error } = await send(b, req, body);
    if (error) continue;
    if (up.statusCode === 429) {
      const ms = Number(up.headers['retry-after-ms'] ?? Number(up.headers['retry-after'] ?? 1) * 1000);
      b.restUntil = Date.now() + (Number.isFinite(ms) ? ms : 1000);
      last?.res.resume();
      last = { res: up, name: b.name };
      continue;
    }
    last?.res.resume();
    res.writeHead(up.statusCode, { ...up.headers, 'x-aoai-pool-backend': b.name });
    up.pipe(res);
    return;
  }
  if (last) {
    res.writeHead(429, { ...last.res.headers, 'x-aoai-pool-backend': last.name });
    last.res.pipe(res);
    return;
  }
  res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': String(Math.max(1, Math.min(...backends.map((b) => b.restUntil)) - Date.now())) });
  res.end('{"error":{"code":"429","message":"every backend is resting"}}');
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(0));
