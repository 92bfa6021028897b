/**
 * The quota scenario (issue 10): three simulated deployments that throttle
 * the way Azure standard deployments do (30k / 60k / 90k TPM, time-scaled),
 * open-loop Poisson load at 60 %, 90 % and 120 % of the pool's total quota,
 * an SDK-like client that retries twice, and the same arrivals sent through
 * each target:
 *
 * - `roundRobin`: our proxy as it is today (smooth weighted round-robin,
 *   weights 1/2/3 in proportion to the TPMs, the best a user can do today);
 * - `failover`: a plain failover proxy (./failoverProxy.mjs), the reference;
 * - `quota`: quota-aware routing (`quotaTarget` below).
 *
 * Reported per target and load: see ./quotaReport.mjs.
 */
import { fileURLToPath } from 'node:url';
import { QUOTA_SCENARIO } from './arrivals.mjs';
import { drain, waitForLine } from './procs.mjs';

export { QUOTA_SCENARIO };

const CLIENT = fileURLToPath(new URL('./quotaClient.mjs', import.meta.url));
const FAILOVER = fileURLToPath(new URL('./failoverProxy.mjs', import.meta.url));
const DEPLOYMENT = 'gpt-4o-mini';
const PATH = `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2024-10-21`;
const SIM_KEY = 'bench-sim-key-0123456789abcdef';


/**
 * The `quota` column: the same backends with `"routing": "quota"`, the
 * proxy's quota minute as long as the simulator's (60000 / timeScale ms) and
 * its longest queue wait scaled alike (5 s of simulated time).
 */
function quotaTarget(base, timeScale) {
  return { ...base, routing: 'quota', quotaMinuteMs: 60_000 / timeScale, queue: { maxWaitSec: 5 / timeScale } };
}

/** The targets of the scenario, in the order each load runs them. */
export const QUOTA_TARGETS = ['roundRobin', 'quota', 'failover'];

export async function quotaPhase({ procs, cli, startProxy, loadCpu, proxyCpu, log, minutes, loads = QUOTA_SCENARIO.loads, only = QUOTA_TARGETS }) {
  const sc = { ...QUOTA_SCENARIO, loads };
  const minuteMs = 60_000 / sc.timeScale;
  const sim = procs.start(process.execPath, [cli, 'simulate', '--count', String(sc.tpms.length), '--name-prefix', 'q', '--api-key', SIM_KEY,
    '--deployments', DEPLOYMENT, '--tpm', sc.tpms.join(','), '--enforce-limits', '--time-scale', String(sc.timeScale),
    '--latency-ms', String(sc.latencyMs), '--chunk-delay-ms', String(sc.chunkDelayMs)], { cpu: loadCpu });
  const m = await waitForLine(sim, new RegExp(`^${sc.tpms.map(() => '(q\\d+) (http://127\\.0\\.0\\.1:\\d+) \\S+\\n').join('')}`, 'm'), 10_000, 'quota simulators');
  drain(sim.stdout);
  drain(sim.stderr);
  const sims = sc.tpms.map((tpm, i) => ({ name: m[1 + 2 * i], url: m[2 + 2 * i], tpm }));
  const keyEnv = Object.fromEntries(sims.map((s) => [`AOAI_POOL_KEY_${s.name.toUpperCase()}`, SIM_KEY]));
  const base = {
    port: 0, healthProbe: { intervalSec: 0 }, logRequests: false,
    backends: sims.map((s, i) => ({ name: s.name, endpoint: s.url, weight: i + 1, deployments: [DEPLOYMENT] })),
  };
  const targets = {};
  const started = [];
  try {
    if (only.includes('roundRobin')) {
      const rr = await startProxy('quota-roundrobin.json', { ...base, routing: 'roundRobin' }, [], keyEnv);
      started.push(rr.child);
      targets.roundRobin = `${rr.url}${PATH}`;
    }
    if (only.includes('quota')) {
      const q = await startProxy('quota-quota.json', quotaTarget(base, sc.timeScale), [], keyEnv);
      started.push(q.child);
      targets.quota = `${q.url}${PATH}`;
    }
    if (only.includes('failover')) {
      const fo = procs.start(process.execPath, [FAILOVER, JSON.stringify(sims.map((s) => ({ name: s.name, url: s.url, key: SIM_KEY })))], { cpu: proxyCpu });
      started.push(fo);
      const fl = await waitForLine(fo, /^(\{.*\})\n/m, 10_000, 'failover proxy');
      drain(fo.stdout);
      drain(fo.stderr);
      targets.failover = `http://127.0.0.1:${JSON.parse(fl[1]).port}${PATH}`;
    }

    const poolTpm = sc.tpms.reduce((a, b) => a + b, 0);
    const names = Object.keys(targets);
    log(`quota: ${sims.map((s) => `${s.name} ${s.tpm / 1000}k TPM`).join(', ')}; a minute lasts ${minuteMs} ms; ${minutes} minutes per cell; loads ${sc.loads.map((l) => `${l * 100}%`).join(', ')}; targets ${names.join(', ')}`);
    const cells = [];
    for (const [li, load] of sc.loads.entries()) {
      for (const [ti, t] of names.entries()) {
        // Let every window of the previous cell age out.
        await new Promise((r) => setTimeout(r, minuteMs + 100));
        const before = await Promise.all(sims.map((s) => stats(s.url)));
        const job = { url: targets[t], key: 'bench-client-key-0123456789', timeScale: sc.timeScale, ratePerMin: (load * poolTpm) / sc.meanCharge, durationMs: minutes * minuteMs, seed: seedFor(load, li), streamShare: sc.streamShare };
        const r = await runQuotaClient(procs, job, loadCpu, minutes * minuteMs + 60_000);
        const after = await Promise.all(sims.map((s) => stats(s.url)));
        const upstream = sims.map((s, i) => ({ name: s.name, tpm: s.tpm, requests: after[i].total - before[i].total, throttled: (after[i].byStatus['429'] ?? 0) - (before[i].byStatus['429'] ?? 0) }));
        cells.push({ target: t, load, order: ti, minutes, minuteMs, poolTpm, upstream, ...r });
        log(`  ${t} at ${load * 100}%: ${r.results.length} requests, ${r.results.filter((x) => x.status !== 200).length} failed, ${upstream.reduce((a, u) => a + u.throttled, 0)} upstream 429s`);
      }
    }
    return { scenario: { ...sc, poolTpm, minuteMs, minutes }, targets: names, cells };
  } finally {
    await Promise.all([...started, sim].map((c) => procs.stop(c)));
  }
}

/** The default loads keep the seeds of earlier runs (1000, 1001, 1002); any other load gets its own. */
function seedFor(load, index) {
  const i = QUOTA_SCENARIO.loads.indexOf(load);
  return 1000 + (i >= 0 ? i : 100 + Math.round(load * 100) + index);
}

async function stats(url) {
  const res = await fetch(`${url}/_sim/stats`);
  return res.json();
}

async function runQuotaClient(procs, job, cpu, timeoutMs) {
  const child = procs.start(process.execPath, [CLIENT, JSON.stringify(job)], { cpu, stdio: ['ignore', 'pipe', 'pipe'] });
  const o = drain(child.stdout, 50_000_000);
  const e = drain(child.stderr);
  const timer = setTimeout(() => void procs.stop(child, 1000), timeoutMs);
  const { code } = await child.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`quota client failed: ${e.text}`);
  return JSON.parse(o.text);
}
