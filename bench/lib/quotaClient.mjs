#!/usr/bin/env node
/**
 * Open-loop load for the quota benchmark (issue 10), run as its own process:
 * `node quotaClient.mjs '<json job>'` prints one JSON line with a record per
 * request.
 *
 * Arrivals are Poisson at `ratePerMin` (scaled minutes) for `durationMs`,
 * from a seeded generator so every target sees the same arrivals and sizes
 * (./arrivals.mjs).
 * Sizes: prompt 200-6000 tokens (by Azure's character rule: 4 characters a
 * token), max_tokens 100-1500, a share streaming.
 *
 * Each request retries like the official openai SDK (openai/openai-node
 * src/client.ts, `shouldRetry` / `retryRequest` /
 * `calculateDefaultRetryTimeoutMillis`): up to 2 retries on 408, 409, 429,
 * 5xx and connection errors; the wait is `retry-after-ms`, else
 * `Retry-After` (seconds or a date), used when 0 < wait <= 60 s, else
 * exponential backoff 0.5 s x 2^n capped at 8 s, minus up to 25 % jitter.
 * The SDK's own constants (backoff, the 60 s cap) are divided by the time
 * scale like everything else; server-given waits are already scaled.
 */
import { Agent, request } from 'node:http';
import { arrivalSpecs } from './arrivals.mjs';

const job = JSON.parse(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const scale = job.timeScale;
const MAX_RETRIES = 2;

const WORDS = 'the quick brown fox jumps over the lazy dog while the proxy counts every token it sends ';
function promptOf(tokens) {
  // "user" counts 1 token (4 characters); the content brings the rest.
  const chars = Math.max(0, (tokens - 1) * 4);
  return WORDS.repeat(Math.ceil(chars / WORDS.length)).slice(0, chars);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function once(body, stream) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(job.url, { method: 'POST', agent, headers: { 'api-key': job.key, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let first;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        first ??= performance.now();
        if (res.statusCode !== 200) text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, ttfb: first && first - t0, end: performance.now(), text, stream }));
      res.on('error', (e) => resolve({ status: 0, error: e.message, end: performance.now() }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message, end: performance.now() }));
    req.end(body);
  });
}

function retryWait(r, retriesLeft) {
  let ms;
  const h = r.headers ?? {};
  const retryAfterMs = parseFloat(h['retry-after-ms']);
  if (!Number.isNaN(retryAfterMs)) ms = retryAfterMs;
  if (ms === undefined && h['retry-after'] !== undefined) {
    const s = parseFloat(h['retry-after']);
    ms = Number.isNaN(s) ? Date.parse(h['retry-after']) - Date.now() : s * 1000;
  }
  if (!(ms > 0 && ms <= 60_000 / scale)) {
    const n = MAX_RETRIES - retriesLeft;
    ms = (Math.min(0.5 * 2 ** n, 8) * (1 - Math.random() * 0.25) * 1000) / scale;
  }
  return ms;
}

const retryable = (s) => s === 0 || s === 408 || s === 409 || s === 429 || s >= 500;

async function run(spec, startAt) {
  const body = JSON.stringify({ messages: [{ role: 'user', content: promptOf(spec.prompt) }], max_tokens: spec.maxTokens, stream: spec.stream });
  const t0 = performance.now();
  let attempts = 0;
  let r;
  for (let left = MAX_RETRIES; ; left--) {
    attempts++;
    const sentAt = performance.now();
    r = await once(body, spec.stream);
    r.sentAt = sentAt;
    if (!retryable(r.status) || left === 0) break;
    await sleep(retryWait(r, left));
  }
  return {
    at: startAt, charge: spec.prompt + spec.maxTokens, stream: spec.stream, status: r.status, attempts,
    latencyMs: r.end - t0, ttftMs: r.status === 200 && r.ttfb !== undefined ? r.sentAt + r.ttfb - t0 : undefined,
    backend: r.headers?.['x-aoai-pool-backend'], queuedMs: Number(r.headers?.['x-aoai-pool-queued-ms'] ?? NaN), error: r.error,
  };
}

const specs = arrivalSpecs({ seed: job.seed, ratePerMin: job.ratePerMin, minuteMs: 60_000 / scale, durationMs: job.durationMs, streamShare: job.streamShare });
const start = performance.now();
const results = await Promise.all(specs.map(async (s) => {
  const wait = start + s.at - performance.now();
  if (wait > 0) await sleep(wait);
  return run(s, s.at);
}));
process.stdout.write(`${JSON.stringify({ results, wallMs: performance.now() - start })}\n`);
agent.destroy();
process.exit(0);
