/**
 * Turns raw rounds into medians (with min-max over rounds), checks the
 * targets of issue 6, and prints the tables. Differences against direct are
 * paired inside each round (same moment, same machine state) before taking
 * the median over rounds.
 */

export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function percentile(xs, p) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}

/** { med, min, max } over rounds. */
export function spread(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  return { med: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN, n: v.length };
}

/** Summary of the wrk rounds, keyed by body, conns, target. */
export function summariseThroughput(runs, targets) {
  const cells = [];
  const keys = [...new Set(runs.map((r) => `${r.body}|${r.conns}`))];
  for (const key of keys) {
    const [body, connsStr] = key.split('|');
    const conns = Number(connsStr);
    const inCell = runs.filter((r) => r.body === body && r.conns === conns);
    const direct = new Map(inCell.filter((r) => r.target === 'direct').map((r) => [r.round, r]));
    for (const target of targets) {
      const rs = inCell.filter((r) => r.target === target);
      if (rs.length === 0) continue;
      const paired = rs.filter((r) => direct.has(r.round));
      cells.push({
        body, conns, target,
        rps: spread(rs.map((r) => r.rps)),
        ratio: spread(paired.map((r) => r.rps / direct.get(r.round).rps)),
        p50Ms: spread(rs.map((r) => r.latencyUs.p50 / 1000)),
        p99Ms: spread(rs.map((r) => r.latencyUs.p99 / 1000)),
        addedP50Ms: spread(paired.map((r) => (r.latencyUs.p50 - direct.get(r.round).latencyUs.p50) / 1000)),
        addedP99Ms: spread(paired.map((r) => (r.latencyUs.p99 - direct.get(r.round).latencyUs.p99) / 1000)),
        cpuUsPerReq: spread(rs.map((r) => r.cpuUsPerReq)),
        otherCpuPct: spread(rs.map((r) => r.otherCpuPct)),
        errors: rs.reduce((a, r) => a + r.errorCount, 0),
        requests: rs.reduce((a, r) => a + r.requests, 0),
      });
    }
  }
  return cells;
}

/** A stream counts as buffered when its chunks arrive bunched: under half the spread the backend put between them. */
export function isBuffered(r, chunks, intervalMs) {
  if (r.error || r.status !== 200) return false;
  const expectedSpread = (chunks - 1) * intervalMs;
  return r.last - r.first < expectedSpread / 2 || r.ttfb > expectedSpread / 2 || r.chunkDelayMax > expectedSpread / 2;
}

export function summariseStreams(runs, targets, { chunks, intervalMs }) {
  const out = [];
  for (const mode of ['seq', 'conc']) {
    const direct = new Map(runs.filter((r) => r.target === 'direct').map((r) => [r.round, r[mode]]));
    for (const target of targets) {
      const rs = runs.filter((r) => r.target === target);
      if (rs.length === 0 || rs.every((r) => r[mode].length === 0)) continue;
      const all = rs.flatMap((r) => r[mode]);
      const ok = all.filter((x) => !x.error && x.status === 200);
      const complete = ok.filter((x) => x.events >= chunks);
      const perRound = (field) => rs.filter((r) => direct.has(r.round)).map((r) => median(r[mode].map((x) => x[field])) - median(direct.get(r.round).map((x) => x[field])));
      out.push({
        mode, target,
        requests: all.length,
        errors: all.length - ok.length,
        incomplete: ok.length - complete.length,
        buffered: ok.filter((x) => isBuffered(x, chunks, intervalMs)).length,
        ttfbMs: { p50: median(ok.map((x) => x.ttfb)), p99: percentile(ok.map((x) => x.ttfb), 99) },
        totalMs: { p50: median(ok.map((x) => x.total)), p99: percentile(ok.map((x) => x.total), 99) },
        chunkDelayMs: { p50: median(ok.map((x) => x.chunkDelayP50)), max: Math.max(...ok.map((x) => x.chunkDelayMax ?? NaN).filter(Number.isFinite)) },
        addedTtfbMs: spread(perRound('ttfb')),
        // Total minus the backend's own time (request and last-chunk delivery): free of timer jitter.
        addedTotalMs: spread(perRound('overhead')),
        addedTotalRawMs: spread(perRound('total')),
      });
    }
  }
  return out;
}

export function summariseFailover(run) {
  if (!run) return undefined;
  const directRttMs = median(run.direct);
  const seen = new Set(run.seen);
  const ok = (r) => !r.error && r.status === 200;
  const failed = run.results.filter((r) => seen.has(r.id));
  const normal = run.results.filter((r) => !seen.has(r.id));
  const fMed = median(failed.map((r) => r.ms));
  const nMed = median(normal.map((r) => r.ms));
  return {
    requests: run.results.length,
    errors: run.results.filter((r) => !ok(r)).length,
    failedOver: failed.length,
    failedOverOk: failed.filter(ok).length,
    servedBy: countBy(run.results.map((r) => r.backend ?? '(none)')),
    normalP50Ms: nMed,
    failedOverP50Ms: fMed,
    failedOverP99Ms: percentile(failed.map((r) => r.ms), 99),
    addedP50Ms: fMed - nMed,
    directRttMs,
    /** What one proxied exchange costs over a direct one: the yardstick for "one upstream round trip". */
    proxyHopMs: nMed - directRttMs,
  };
}

function countBy(xs) {
  const m = {};
  for (const x of xs) m[x] = (m[x] ?? 0) + 1;
  return m;
}

/** The targets of issue 6, each with the numbers it was judged on. */
export function checkTargets({ cells, streams, rss, failover, hasNginx }) {
  const t = [];
  const cell = (body, conns, target) => cells.find((c) => c.body === body && c.conns === conns && c.target === target);
  const bodies = [...new Set(cells.map((c) => c.body))];
  for (const body of bodies) {
    const p = cell(body, 32, 'proxy');
    const n = cell(body, 32, 'nginx');
    // 1e6 / CPU µs per request: what one core could do at best; noise hardly moves it.
    const ceiling = (c) => `one-core ceiling 1e6/CPU µs: ${fmtInt(1e6 / c.cpuUsPerReq.med)}`;
    if (p && n) t.push(target(`c32 ${body}: req/s >= nginx`, p.rps.med >= n.rps.med, `${fmtInt(p.rps.med)} vs ${fmtInt(n.rps.med)} (${fmt2(p.rps.med / n.rps.med)}x; ${ceiling(p)} vs ${fmtInt(1e6 / n.cpuUsPerReq.med)})`));
    const d = cell(body, 32, 'direct');
    if (p) t.push(target(`c32 ${body}: req/s >= 0.8x direct`, p.ratio.med >= 0.8, `${fmt2(p.ratio.med)}x${d ? ` (direct ${fmtInt(d.rps.med)}; ${ceiling(p)})` : ''}`));
    const p1 = cell(body, 1, 'proxy');
    const n1 = cell(body, 1, 'nginx');
    if (p1 && n1) {
      const limit = 1.5 * Math.max(n1.addedP50Ms.med, 0);
      t.push(target(`c1 ${body}: added p50 <= 1.5x nginx's`, p1.addedP50Ms.med <= limit, `${sgn(p1.addedP50Ms.med)} ms vs nginx ${sgn(n1.addedP50Ms.med)} ms (limit ${fmtMs(limit)})`));
    }
  }
  const proxyCells = cells.filter((c) => c.target === 'proxy');
  if (proxyCells.length) {
    const errors = proxyCells.reduce((a, c) => a + c.errors, 0);
    t.push(target('no errors under load', errors === 0, `${errors} errors in ${fmtInt(proxyCells.reduce((a, c) => a + c.requests, 0))} requests`));
  }
  if (hasNginx) {
    const ratios = cells.filter((c) => c.target === 'proxy').map((c) => {
      const n = cell(c.body, c.conns, 'nginx');
      return n ? { where: `${c.body} c${c.conns}`, r: c.cpuUsPerReq.med / n.cpuUsPerReq.med, p: c.cpuUsPerReq.med, n: n.cpuUsPerReq.med } : undefined;
    }).filter(Boolean);
    if (ratios.length) {
      const worst = ratios.reduce((a, b) => (b.r > a.r ? b : a));
      t.push(target('CPU per request <= 1.5x nginx (every cell)', worst.r <= 1.5, `worst ${worst.where}: ${fmtInt(worst.p)} vs ${fmtInt(worst.n)} µs/req (${fmt2(worst.r)}x); all: ${ratios.map((x) => `${x.where} ${fmt2(x.r)}x`).join(', ')}`));
    }
  }
  const ps = streams.filter((s) => s.target === 'proxy');
  if (ps.length) {
    const buffered = ps.reduce((a, s) => a + s.buffered, 0);
    t.push(target('zero buffered streams', buffered === 0 && ps.every((s) => s.errors === 0 && s.incomplete === 0), `${buffered} buffered, ${ps.reduce((a, s) => a + s.errors + s.incomplete, 0)} failed or incomplete of ${ps.reduce((a, s) => a + s.requests, 0)}`));
    for (const s of ps) t.push(target(`stream ${s.mode === 'seq' ? 'sequential' : 'concurrent'}: added total <= 1 ms`, s.addedTotalMs.med <= 1, `${sgn(s.addedTotalMs.med)} ms (TTFB ${sgn(s.addedTtfbMs.med)} ms)`));
  }
  if (rss.proxy !== undefined && cell('small', 128, 'proxy')) t.push(target('peak RSS <= 100 MB at 128 connections', rss.proxy <= 100 * 2 ** 20, `${fmtMb(rss.proxy)} MB${rss.nginx !== undefined ? ` (nginx ${fmtMb(rss.nginx)} MB)` : ''}`));
  if (failover) {
    // One more upstream exchange costs at most what a whole proxied exchange adds over direct; x1.5 for noise.
    const limit = 1.5 * Math.max(failover.proxyHopMs, failover.directRttMs);
    t.push(target('failover: 0 errors', failover.errors === 0 && failover.failedOver > 0, `${failover.errors} errors in ${failover.requests} requests, ${failover.failedOver} failed over`));
    t.push(target('failover: added ~ one upstream round trip, no sleep', failover.addedP50Ms <= limit,
      `${sgn(failover.addedP50Ms)} ms p50 (direct round trip ${fmtMs(failover.directRttMs)} ms, proxy hop ${sgn(failover.proxyHopMs)} ms; limit ${fmtMs(limit)} ms; the backend asked for 100-1000 ms)`));
  }
  return t;
}

export function target(name, pass, detail) {
  return { name, pass: Boolean(pass), detail };
}

// ---- formatting ----

export const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
export const fmt2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
export const fmtMs = (x) => (!Number.isFinite(x) ? '-' : Math.abs(x) < 10 ? x.toFixed(3) : x.toFixed(1));
export const fmtMb = (b) => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(1) : '-');
const sp = (s, f) => (s.n > 1 ? `${f(s.med)} (${f(s.min)}–${f(s.max)})` : f(s.med));
const signed = (f) => (x) => (Number.isFinite(x) && x >= 0 ? `+${f(x)}` : f(x));
const sgn = (x) => signed(fmtMs)(x);

/** Renders rows (arrays of strings) as aligned columns; numbers right-aligned. */
export function table(header, rows, right = header.map((_, i) => i > 2)) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (right[i] ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ').trimEnd();
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

export function renderThroughput(cells) {
  const rows = cells.map((c) => [
    c.body, `c${c.conns}`, c.target,
    sp(c.rps, fmtInt),
    c.target === 'direct' ? '1.00' : sp(c.ratio, fmt2),
    fmtMs(c.p50Ms.med), fmtMs(c.p99Ms.med),
    c.target === 'direct' ? '' : sp(c.addedP50Ms, signed(fmtMs)),
    c.target === 'direct' ? '' : signed(fmtMs)(c.addedP99Ms.med),
    c.target === 'direct' ? '' : sp(c.cpuUsPerReq, fmtInt),
    c.errors ? String(c.errors) : '0',
    `${Math.round(c.otherCpuPct.med)} (${Math.round(c.otherCpuPct.max)})`,
  ]);
  return table(['body', 'conns', 'target', 'req/s (min–max)', 'x direct', 'p50 ms', 'p99 ms', 'added p50 ms', 'added p99', 'CPU µs/req', 'errors', 'other % (max)'], rows);
}

export function renderStreams(streams) {
  const rows = streams.map((s) => [
    s.mode === 'seq' ? 'sequential' : `concurrent`, '', s.target,
    String(s.requests),
    fmtMs(s.ttfbMs.p50), fmtMs(s.totalMs.p50), fmtMs(s.chunkDelayMs.p50),
    s.target === 'direct' ? '' : sp(s.addedTtfbMs, signed(fmtMs)),
    s.target === 'direct' ? '' : sp(s.addedTotalMs, signed(fmtMs)),
    String(s.buffered), String(s.errors + s.incomplete),
  ]);
  return table(['mode', '', 'target', 'streams', 'TTFB p50 ms', 'total p50 ms', 'chunk delay ms', 'added TTFB ms', 'added total ms', 'buffered', 'failed'], rows);
}

export function renderFailover(f) {
  return [
    `requests ${f.requests}, errors ${f.errors}, failed over ${f.failedOver} (served: ${Object.entries(f.servedBy).map(([k, v]) => `${k} ${v}`).join(', ')})`,
    `p50 latency: normal ${fmtMs(f.normalP50Ms)} ms, failed over ${fmtMs(f.failedOverP50Ms)} ms (p99 ${fmtMs(f.failedOverP99Ms)} ms), added ${signed(fmtMs)(f.addedP50Ms)} ms`,
    `reference, same client: direct to the healthy backend ${fmtMs(f.directRttMs)} ms, so one proxied exchange adds ${signed(fmtMs)(f.proxyHopMs)} ms`,
  ].join('\n');
}

export function renderTargets(targets) {
  return targets.map((t) => `${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.detail}`).join('\n');
}

/** The whole text report. */
export function renderAll({ result, cfg, cells, streams, failover, targets }) {
  const m = result.machine;
  const lines = [
    `AOAI Pool benchmark, ${m.date}`,
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}; node ${m.node}; nginx ${m.nginx ?? 'n/a'}; wrk ${m.wrk ?? 'n/a'}; other load before start ${m.otherCpuPctBefore ?? '?'}% of one core`,
    ...result.notes.map((n) => `note: ${n}`),
    `medians of ${cfg.rounds} interleaved rounds of ${cfg.seconds} s (min–max over rounds); "added" = minus direct in the same round`,
    '',
  ];
  if (cells.length) {
    lines.push('Throughput and latency: POST chat/completions, wrk -t1 (other %: CPU used by processes outside the bench during the run, % of one core)', renderThroughput(cells), '');
    lines.push(`Peak RSS (VmHWM) after the c128 rounds: proxy ${fmtMb(result.rss.proxy)} MB${result.rss.nginx !== undefined ? `, nginx (master+worker) ${fmtMb(result.rss.nginx)} MB` : ''}${result.rss.nodeFloor !== undefined ? `, node floor ${fmtMb(result.rss.nodeFloor)} MB` : ''}`, '');
  }
  if (streams.length) lines.push(`Streaming: ${cfg.stream.chunks} SSE chunks ${cfg.stream.intervalMs} ms apart; p50 over all streams; added total = request + last-chunk delivery, minus direct's`, renderStreams(streams), '');
  if (failover) lines.push('Failover: 429 backend (priority 1) + healthy backend (priority 2), sequential requests', renderFailover(failover), '');
  const p = result.profile;
  if (p && !p.error) {
    lines.push(`Profile (node --cpu-prof, c32, ${cfg.profileSeconds} s small + ${cfg.profileSeconds} s 20KB; ${p.rps.small} / ${p.rps['20KB']} req/s under the profiler): ${p.busyMs} ms busy, ${p.idlePct}% idle`);
    lines.push(`by area: ${p.areas.map((a) => `${a.area} ${a.pct}%`).join(', ')}`);
    lines.push(table(['self %', 'self ms', 'function', 'where'], p.top.slice(0, 25).map((f) => [`${f.pct}`, String(f.ms), f.name, f.where]), [true, true, false, false]), '');
    lines.push('our code, inclusive (synchronous part: self + callees, up to the first await):');
    lines.push(table(['incl %', 'incl ms', 'function', 'where'], p.ourInclusive.slice(0, 15).map((f) => [`${f.pct}`, String(f.ms), f.name, f.where]), [true, true, false, false]), '');
  }
  lines.push('Targets (issue 6)', renderTargets(targets));
  return lines.join('\n');
}
