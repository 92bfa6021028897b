/**
 * Summary, targets and table of the quota scenario (issue 10). Token
 * amounts are admission charges (prompt + max_tokens, what the deployments
 * count), per simulated minute.
 */
import { percentile, median, table, fmtInt } from './report.mjs';

const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
const ms = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');

export function summariseQuota(run) {
  if (!run) return [];
  return run.cells.map((c) => {
    const rs = c.results;
    // Use of the quota counts what completed within the cell: work served after it (clients told to
    // come back later) is not capacity of the cell's minutes.
    const cellMs = c.minutes * c.minuteMs;
    const ok = rs.filter((r) => r.status === 200);
    const offered = rs.reduce((a, r) => a + r.charge, 0) / c.minutes;
    const good = ok.reduce((a, r) => a + r.charge, 0) / c.minutes;
    const usedInCell = ok.filter((r) => r.at + r.latencyMs <= cellMs).reduce((a, r) => a + r.charge, 0) / c.minutes;
    const perDeployment = c.upstream.map((u) => ({
      name: u.name,
      use: ok.filter((r) => r.backend === u.name && r.at + r.latencyMs <= cellMs).reduce((a, r) => a + r.charge, 0) / c.minutes / u.tpm,
    }));
    const upstream429 = c.upstream.reduce((a, u) => a + u.throttled, 0);
    const queued = rs.map((r) => r.queuedMs).filter(Number.isFinite);
    return {
      target: c.target, load: c.load, requests: rs.length,
      offeredPctQuota: offered / c.poolTpm, goodputPctQuota: usedInCell / c.poolTpm, goodputPctOffered: good / offered,
      clientErrors: rs.length - ok.length, clientRetries: rs.reduce((a, r) => a + r.attempts - 1, 0),
      upstreamRequests: c.upstream.reduce((a, u) => a + u.requests, 0), upstream429,
      latencyMs: { p50: median(ok.map((r) => r.latencyMs)), p95: percentile(ok.map((r) => r.latencyMs), 95), max: Math.max(...rs.map((r) => r.latencyMs)) },
      ttftMs: { p50: median(ok.filter((r) => r.stream).map((r) => r.ttftMs)), p95: percentile(ok.filter((r) => r.stream).map((r) => r.ttftMs), 95) },
      failedLatencyMs: { p50: median(rs.filter((r) => r.status !== 200).map((r) => r.latencyMs)) },
      perDeployment,
      queuedMs: queued.length ? { p50: median(queued), p95: percentile(queued, 95), max: Math.max(...queued) } : undefined,
    };
  });
}

/** The issue's targets, judged on the `quota` column when it exists. */
export function checkQuotaTargets(rows, maxWaitMs) {
  const q = (load) => rows.find((r) => r.target === 'quota' && r.load === load);
  const rr = (load) => rows.find((r) => r.target === 'roundRobin' && r.load === load);
  if (!rows.some((r) => r.target === 'quota')) {
    return [{ name: 'quota routing targets', pass: undefined, detail: 'SKIP: the quota routing column is not wired yet (bench/lib/quota.mjs quotaTarget)' }];
  }
  const t = [];
  const q90 = q(0.9);
  const q120 = q(1.2);
  const q60 = q(0.6);
  const r60 = rr(0.6);
  if (q90) {
    t.push({ name: '90%: 0 client-visible errors', pass: q90.clientErrors === 0, detail: `${q90.clientErrors} of ${q90.requests}` });
    t.push({ name: '90%: upstream 429s <= 2% of requests', pass: q90.upstream429 <= 0.02 * q90.requests, detail: `${q90.upstream429} (${pct(q90.upstream429 / q90.requests)})` });
    t.push({ name: '90%: goodput >= 95% of offered', pass: q90.goodputPctOffered >= 0.95, detail: pct(q90.goodputPctOffered) });
  }
  if (q120) {
    t.push({ name: '120%: uses >= 97% of the pool quota', pass: q120.goodputPctQuota >= 0.97, detail: pct(q120.goodputPctQuota) });
    t.push({ name: '120%: no client waits longer than the maximum', pass: !(q120.queuedMs?.max > maxWaitMs), detail: `longest queueing ${ms(q120.queuedMs?.max)} ms (max ${maxWaitMs} ms)` });
  }
  if (q60 && r60) {
    t.push({ name: '60%: latency and TTFT no worse than roundRobin', pass: q60.latencyMs.p50 <= r60.latencyMs.p50 * 1.1 && q60.ttftMs.p50 <= r60.ttftMs.p50 * 1.1,
      detail: `p50 ${ms(q60.latencyMs.p50)} vs ${ms(r60.latencyMs.p50)} ms, TTFT ${ms(q60.ttftMs.p50)} vs ${ms(r60.ttftMs.p50)} ms` });
  }
  return t;
}

export function renderQuota(run, rows, targets, estimator) {
  const s = run.scenario;
  const lines = [
    `Quota: ${s.tpms.map((x) => `${x / 1000}k`).join(' / ')} TPM deployments (pool ${fmtInt(s.poolTpm)} TPM), Azure-like throttling, time scale ${s.timeScale} (a minute = ${s.minuteMs} ms), ${s.minutes} minutes per cell; Poisson arrivals, prompts 200-6000, max_tokens 100-1500, ${s.streamShare * 100}% streaming; client retries twice like the openai SDK. Tokens = admission charges per simulated minute; latencies in real ms.`,
    table(
      ['load', 'target', 'reqs', 'offered', 'goodput %quota', '%offered', 'errors', 'retries', 'up 429s', 'p50 ms', 'p95 ms', 'TTFT p50', 'TTFT p95', 'queued p95', 'deployment use'],
      rows.map((r) => [
        `${r.load * 100}%`, r.target, String(r.requests), pct(r.offeredPctQuota), pct(r.goodputPctQuota), pct(r.goodputPctOffered),
        `${r.clientErrors} (${pct(r.clientErrors / r.requests)})`, String(r.clientRetries), `${r.upstream429} (${pct(r.upstream429 / r.requests)})`,
        ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.ttftMs.p50), ms(r.ttftMs.p95), r.queuedMs ? ms(r.queuedMs.p95) : '-',
        r.perDeployment.map((d) => `${d.name} ${pct(d.use)}`).join(' '),
      ]),
      [false, false, true, true, true, true, true, true, true, true, true, true, true, true, false],
    ),
  ];
  if (estimator) {
    const e = (k) => estimator[k];
    const us = (x) => (x.nsPerOp / 1000).toFixed(2);
    lines.push('', 'Charge estimate per request (µs): from the parsed body (chat routes) / from the raw body (deployment routes) / with a stand-in tokenizer under the cut-off; JSON.parse alone for scale');
    lines.push(table(['prompt', 'bytes', 'parsed', 'raw', 'tokenizer', 'JSON.parse'], ['small', '20KB', '200KB'].filter(e).map((k) => [k, String(e(k).bytes), us(e(k).fromParsedJson), us(e(k).fromRawBody), us(e(k).withTokenizer), us(e(k).jsonParseAlone)]), [false, true, true, true, true, true]));
  }
  lines.push('', 'Targets (issue 10)', ...targets.map((t) => `${t.pass === undefined ? 'SKIP' : t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.detail}`));
  return lines.join('\n');
}
