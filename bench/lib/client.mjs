/**
 * Measuring client for what wrk cannot see, run as its own process on the
 * load core: `node client.mjs '<json job>'` prints one JSON line.
 *
 * - `stream`: SSE requests, sequential then `conc` at once; per request the
 *   time to the first body byte, to the end, and when the first and last
 *   chunks arrived (a buffering proxy delivers them all at once).
 * - `failover`: sequential small requests for `durationMs`, each tagged with
 *   `x-bench-id`, each followed by the same request straight to the healthy
 *   backend (the reference round trip); the throttled backend reports which
 *   ids it saw, i.e. which requests were failed over.
 */
import { Agent, request } from 'node:http';

const job = JSON.parse(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const timeoutMs = job.timeoutMs ?? 30_000;

const now = () => process.hrtime.bigint();
const ms = (ns) => Number(ns) / 1e6;
const BENCH = /"bench":\{"req":(\d+),"t":(\d+)\}/;

/**
 * One request; resolves with timings in ms from the send. For SSE from the
 * bench backends also: how long the request took to reach the backend
 * (`reqDelivery`), how long each chunk took to arrive (`chunkDelay*`), and
 * `overhead` = request delivery + last chunk delivery, i.e. the total minus
 * the backend's own (timer-driven) time.
 */
function send(headers, body, url = job.url) {
  return new Promise((resolve) => {
    const t0 = now();
    let first;
    let last;
    let bytes = 0;
    let events = 0;
    let pending = '';
    let reqArrived;
    let lastSent;
    const delays = [];
    const req = request(url, { method: 'POST', agent, headers: { ...job.headers, ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d) => {
        const at = now();
        first ??= at;
        last = at;
        bytes += d.length;
        pending += d;
        for (let i = pending.indexOf('\n\n'); i !== -1; i = pending.indexOf('\n\n')) {
          const ev = pending.slice(0, i);
          pending = pending.slice(i + 2);
          if (!ev.startsWith('data: ')) continue;
          events++;
          const m = BENCH.exec(ev);
          if (!m) continue;
          reqArrived ??= BigInt(m[1]);
          lastSent = BigInt(m[2]);
          delays.push(ms(at - lastSent));
        }
      });
      res.on('end', () => {
        const end = now();
        const r = { status: res.statusCode, ttfb: first && ms(first - t0), total: ms(end - t0), first: first && ms(first - t0), last: last && ms(last - t0), bytes, events, backend: res.headers['x-aoai-pool-backend'] };
        if (reqArrived !== undefined) {
          delays.sort((a, b) => a - b);
          Object.assign(r, {
            reqDelivery: ms(reqArrived - t0),
            lastDelivery: ms(end - lastSent),
            overhead: ms(reqArrived - t0) + ms(end - lastSent),
            chunkDelayP50: delays[delays.length >> 1],
            chunkDelayMax: delays[delays.length - 1],
          });
        }
        resolve(r);
      });
      res.on('error', (e) => resolve({ status: res.statusCode, error: e.message, total: ms(now() - t0) }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message, total: ms(now() - t0) }));
    req.end(body);
  });
}

async function streamJob() {
  const sse = { 'x-bench-mode': 'sse', 'x-bench-chunks': String(job.chunks), 'x-bench-interval-ms': String(job.intervalMs) };
  // Open the connections first, so the streams measure the proxy and not the TCP handshake.
  await Promise.all(Array.from({ length: Math.max(1, job.conc) }, () => send({}, job.warmBody)));
  const seq = [];
  for (let i = 0; i < job.seq; i++) seq.push(await send(sse, job.body));
  const conc = job.conc > 0 ? await Promise.all(Array.from({ length: job.conc }, () => send(sse, job.body))) : [];
  return { seq, conc };
}

async function getJson(url) {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(JSON.parse(s)));
    }).on('error', reject).end();
  });
}

async function failoverJob() {
  for (let i = 0; i < 20; i++) {
    await send({ 'x-bench-id': `warm${i}` }, job.body);
    await send({}, job.body, job.directUrl);
  }
  await getJson(job.seenUrl);
  const results = [];
  const direct = [];
  const until = performance.now() + job.durationMs;
  for (let i = 0; performance.now() < until; i++) {
    const r = await send({ 'x-bench-id': String(i) }, job.body);
    results.push({ id: String(i), ms: r.total, status: r.status, error: r.error, backend: r.backend });
    // The same request straight to the healthy backend, from the same client, right after.
    const d = await send({}, job.body, job.directUrl);
    direct.push(d.total);
  }
  const seen = await getJson(job.seenUrl);
  return { results, direct, seen };
}

const out = job.kind === 'stream' ? await streamJob() : await failoverJob();
process.stdout.write(`${JSON.stringify(out)}\n`);
agent.destroy();
process.exit(0);
