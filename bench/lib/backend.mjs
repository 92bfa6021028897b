/**
 * The bench's own backends: minimal node:http servers that answer at once, so
 * the numbers measure the proxy, not a simulator. One process, pinned to the
 * load core by the caller, listening on:
 *   - N "ok" ports: a fixed small chat completion; with `x-bench-mode: sse`,
 *     an SSE stream of `x-bench-chunks` chunks (default 50) `x-bench-interval-ms`
 *     apart (default 20), scheduled on absolute times so timer drift does not
 *     add up. Each chunk carries `bench: { req, t }`: when the request had
 *     fully arrived and when this chunk was written, in process.hrtime
 *     nanoseconds (CLOCK_MONOTONIC, the same clock in every process), so the
 *     client can tell transport delay from the backend's own timer jitter;
 *   - one "throttled" port: always 429 with Retry-After (and retry-after-ms),
 *     remembering the `x-bench-id` of every request it saw (GET /_bench/seen
 *     returns and clears them), so the failover client knows which requests
 *     were failed over.
 * Prints one JSON line with the ports, then serves until stdin closes or a
 * signal arrives (the parent owns our lifetime).
 */
import { createServer } from 'node:http';

const count = Number(process.argv[2] ?? 3);
const retryAfterSec = process.env.BENCH_RETRY_AFTER ?? '1';
const retryAfterMs = process.env.BENCH_RETRY_AFTER_MS ?? '';

const COMPLETION = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 },
  system_fingerprint: 'fp_bench',
}));
const OK_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(COMPLETION.length),
  'x-ratelimit-remaining-requests': '999',
  'x-ratelimit-remaining-tokens': '999000',
};
const THROTTLED = Buffer.from(JSON.stringify({ error: { code: '429', message: 'Requests to the ChatCompletions_Create Operation have exceeded the rate limit (bench).' } }));
const THROTTLED_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(THROTTLED.length),
  'retry-after': retryAfterSec,
  ...(retryAfterMs ? { 'retry-after-ms': retryAfterMs } : {}),
};
const sseChunk = (i, req) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}],"bench":{"req":${req},"t":${process.hrtime.bigint()}}}\n\n`;

/** Reads the whole request body (as a real backend would), then answers. */
function onBody(req, fn) {
  req.on('data', noop);
  req.on('end', fn);
}
function noop() {}

function okHandler(req, res) {
  onBody(req, () => {
    if (req.headers['x-bench-mode'] === 'sse') return stream(req, res);
    res.writeHead(200, OK_HEADERS);
    res.end(COMPLETION);
  });
}

function stream(req, res) {
  const chunks = Number(req.headers['x-bench-chunks'] ?? 50);
  const interval = Number(req.headers['x-bench-interval-ms'] ?? 20);
  const arrived = process.hrtime.bigint();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const t0 = performance.now();
  let i = 0;
  let timer;
  const next = () => {
    if (res.destroyed) return;
    if (i === chunks - 1) {
      res.end(`${sseChunk(i, arrived)}data: [DONE]\n\n`);
      return;
    }
    res.write(sseChunk(i, arrived));
    i++;
    timer = setTimeout(next, Math.max(0, t0 + i * interval - performance.now()));
  };
  res.on('close', () => clearTimeout(timer));
  next();
}

const seen = [];
function throttledHandler(req, res) {
  if (req.method === 'GET' && req.url === '/_bench/seen') {
    const body = JSON.stringify(seen.splice(0));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  onBody(req, () => {
    const id = req.headers['x-bench-id'];
    if (id !== undefined) seen.push(String(id));
    res.writeHead(429, THROTTLED_HEADERS);
    res.end(THROTTLED);
  });
}

function listen(handler) {
  const server = createServer({ keepAliveTimeout: 60_000 }, handler);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const ok = await Promise.all(Array.from({ length: count }, () => listen(okHandler)));
const throttled = await listen(throttledHandler);
process.stdout.write(`${JSON.stringify({ ports: ok.map((s) => s.address().port), throttledPort: throttled.address().port })}\n`);

// Our parent holds our stdin: when it goes (even SIGKILLed), so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(0));
