/**
 * What recording adds to one request, in isolation from the network and the
 * event loop: the calls routing makes on the trace for a request served at
 * the first attempt (candidates, attempt, attempted, ended), and PoolMetrics.finish (series,
 * pool sample, ring). Run by bench/lib/recording.mjs under
 * `node --trace-gc-nvp --max-semi-space-size=1` with recording on and off,
 * each for two request counts: the difference between the counts cancels
 * start-up and warm-up, the difference between on and off is exactly what
 * recording allocates per request. Prints `{"requests", "ns"}`: wall time per request.
 *   node recording-micro.js on|off N
 */
import { PoolMetrics } from '../../src/core/metrics/recorder';
import { TracedRecord } from '../../src/core/metrics/record';
import { Trace } from '../../src/core/metrics/trace';

const [mode = 'on', count = '300000'] = process.argv.slice(2);
const on = mode === 'on';
const n = Number(count);

const pool = {
  backends: ['b1', 'b2', 'b3'].map((name, i) => ({ name, priority: i < 2 ? 1 : 2, weight: 1, deployments: { 'gpt-4o-mini': 'gpt-4o-mini' } })),
};
// The pool keeps one candidate list per alias (proxy/pool.ts): no request makes it.
const candidates = pool.backends.map((b) => ({ name: b.name, priority: b.priority, weight: 1, deployment: 'gpt-4o-mini' }));
// What observe() answers for a success, and what the attempt loop knows at its end.
const RELAY = { failover: false, reason: '' };
const run = { budgetRefused: false, maxAttempts: 3, tried: new Set(['b1']) };
const body = Buffer.from(JSON.stringify({ id: 'x', choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 } }));
const headers = { 'x-ratelimit-limit-tokens': '30000', 'x-ratelimit-remaining-tokens': '29000', 'content-type': 'application/json' };
const metrics = new PoolMetrics();
const mask = (t: string): string => t;
/**
 * The proxy keeps the record and the exchange alive for the whole request
 * whether it records or not; here they must escape in both modes too, or the
 * optimizer drops them from the baseline and recording looks dearer than it is.
 */
const sink: unknown[] = new Array(1024).fill(undefined);

function request(i: number): void {
  // The record and the exchange exist with or without recording (the proxy makes them anyway).
  const exchange = { startedAt: i, headAt: i + 1, firstByteAt: i + 1.5, endAt: i + 2, bytes: body.length, statusCode: 200, headers, lastChunk: body, previousChunk: undefined };
  sink[(i + 512) & 1023] = exchange;
  const record = new TracedRecord(String(i), 'POST', '/openai/deployments/gpt-4o-mini/chat/completions', Date.now(), on ? new Trace() : undefined);
  sink[(i + 256) & 1023] = record;
  record.alias = 'gpt-4o-mini';
  record.backend = 'b1';
  record.status = 200;
  const trace = record.trace;
  if (!trace) return;
  trace.candidates(candidates);
  trace.attempt('b1', 'gpt-4o-mini', exchange);
  trace.attempted('b1', RELAY, 200, i);
  trace.ended(run);
  metrics.finish(record, trace, i, 130, pool, undefined, false, mask);
}

// Warm up so the measured loop runs optimized code, as a long-running proxy does.
for (let i = 0; i < 50_000; i++) request(i);
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) request(i);
const ns = Number(process.hrtime.bigint() - t0) / n;
console.log(`MICRO ${JSON.stringify({ requests: n, ns })}`);
