#!/usr/bin/env node
/**
 * `npm run bench`: AOAI Pool against the physical limit (direct to a backend)
 * and against nginx, side by side, in interleaved rounds (issue 6). Loopback
 * only; every process started here is stopped on exit, on a signal, at the
 * deadline, and by a reaper process if this one is killed outright.
 * See bench/README.md for how to read the output.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { Procs, drain, waitForLine, cpuMicros, peakRss, processTree, machineCpuMicros, selfAndReapedMicros } from './lib/procs.mjs';
import { ensureTools, allowedCpus, pinSelf, machineInfo } from './lib/tools.mjs';
import { startNginx } from './lib/nginx.mjs';
import { runWrk } from './lib/wrk.mjs';
import { summariseProfile } from './lib/profile.mjs';
import { buildClis, recordingPhase, summariseRecording, renderRecording } from './lib/recording.mjs';
import * as R from './lib/report.mjs';
import { quotaPhase, QUOTA_SCENARIO, QUOTA_TARGETS } from './lib/quota.mjs';
import { summariseQuota, checkQuotaTargets, renderQuota } from './lib/quotaReport.mjs';
import * as B from './lib/baseline.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const CLIENT = join(ROOT, 'bench', 'lib', 'client.mjs');
const BACKEND = join(ROOT, 'bench', 'lib', 'backend.mjs');
const FLOOR = join(ROOT, 'bench', 'lib', 'floor.mjs');
const CLIENT_KEY = 'bench-client-key-0123456789';
const DEPLOYMENT = 'gpt-4o-mini';
const PATH = `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2024-10-21`;

const HELP = `Usage: node bench/run.mjs [options]   (npm run bench)

  --quick              2 rounds of 1 s, one streaming round (about 1 minute)
  --rounds N           interleaved rounds per measurement (default 3)
  --duration S         seconds per wrk run (default 2)
  --profile            also run the proxy under node --cpu-prof at c32 and summarise it
  --only LIST          run only these sections: throughput,streaming,failover,recording,activation,quota,profile
  --quota-minutes N    simulated minutes per quota cell (default 5; 3 with --quick)
  --quota-loads LIST   quota loads as fractions of the pool's quota (default 0.6,0.9,1.2)
  --quota-targets LIST quota targets (default quota,roundRobin,failover)
  --profile-seconds S  seconds per body size in the profile run (default 5)
  --no-install         never apt-get install wrk / nginx-light
  --no-nginx           skip the nginx baseline
  --no-build           do not build dist/cli.js even when it is missing
  --baseline REF       also build git REF of this repo (e.g. 92c05b6) and measure its proxy as target
                       "baseline" in the same throughput and streaming rounds; prints today against it
                       (issue 10: req/s, CPU per request, peak RSS within 10 %)
  --out FILE           JSON output (default bench/results/latest.json)
  -h, --help`;

let opt;
try {
  ({ values: opt } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      profile: { type: 'boolean' },
      only: { type: 'string' },
      'profile-seconds': { type: 'string' },
      'quota-minutes': { type: 'string' },
      'quota-loads': { type: 'string' },
      'quota-targets': { type: 'string' },
      'no-install': { type: 'boolean' },
      'no-nginx': { type: 'boolean' },
      'no-build': { type: 'boolean' },
      baseline: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (e) {
  usage(e.message);
}
function usage(message) {
  console.error(`bench: ${message}\n\n${HELP}`);
  process.exit(2);
}
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}

const cfg = {
  rounds: Number(opt.rounds ?? (opt.quick ? 2 : 3)),
  seconds: Number(opt.duration ?? (opt.quick ? 1 : 2)),
  warmSeconds: 1,
  conns: [1, 32, 128],
  stream: { rounds: opt.quick ? 1 : 3, seq: opt.quick ? 2 : 3, conc: 32, chunks: 50, intervalMs: 20 },
  failoverMs: opt.quick ? 2000 : 4000,
  activationRuns: opt.quick ? 5 : 15,
  profileSeconds: Number(opt['profile-seconds'] ?? 5),
  quotaMinutes: Number(opt['quota-minutes'] ?? (opt.quick ? 3 : 5)),
  quotaLoads: opt['quota-loads'] ? opt['quota-loads'].split(',').map(Number) : QUOTA_SCENARIO.loads,
  quotaTargets: opt['quota-targets'] ? opt['quota-targets'].split(',').map((x) => x.trim()) : QUOTA_TARGETS,
};
for (const l of cfg.quotaLoads) if (!(l > 0 && l <= 5)) usage(`--quota-loads: "${l}" is not a load between 0 and 5 (e.g. 0.9 for 90 %)`);
for (const t of cfg.quotaTargets) if (!QUOTA_TARGETS.includes(t)) usage(`--quota-targets: unknown target "${t}" (${QUOTA_TARGETS.join(', ')})`);
const SECTIONS = ['throughput', 'streaming', 'failover', 'recording', 'activation', 'quota', 'profile'];
const only = opt.only ? new Set(opt.only.split(',').map((x) => x.trim())) : undefined;
for (const x of only ?? []) if (!SECTIONS.includes(x)) usage(`--only: unknown section "${x}" (${SECTIONS.join(', ')})`);
const want = (section) => (only ? only.has(section) : section !== 'profile' || Boolean(opt.profile));
const out = opt.out ?? join(ROOT, 'bench', 'results', 'latest.json');
const FLAG = { seconds: 'duration', profileSeconds: 'profile-seconds', quotaMinutes: 'quota-minutes' };
for (const k of ['rounds', 'seconds', 'profileSeconds', 'quotaMinutes']) {
  if (!Number.isInteger(cfg[k]) || cfg[k] < 1) usage(`--${FLAG[k] ?? k} must be a whole number >= 1`);
}
if (opt.baseline !== undefined && !want('throughput')) usage('--baseline compares throughput cells: add throughput to --only');
/** The commit --baseline names, resolved before anything starts; `cli` once built, `skipped` if it could not be measured. */
let base;
try {
  base = opt.baseline === undefined ? undefined : B.resolveRef(ROOT, opt.baseline);
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exit(2);
}
// Throughput and streaming targets: direct, proxy, node-floor, nginx, baseline.
const nTargets = 3 + (opt['no-nginx'] ? 0 : 1) + (base ? 1 : 0);
// A hard stop at twice the expected time plus a minute (the full run expects about 3 minutes).
const expectedSec = (want('throughput') ? 6 * nTargets * cfg.warmSeconds + cfg.rounds * 6 * nTargets * (cfg.seconds + 0.3) : 0)
  + (base ? B.BUILD_SECONDS : 0)
  + (want('streaming') ? cfg.stream.rounds * nTargets * (cfg.stream.seq + 1) * 1.2 : 0)
  + (want('failover') ? cfg.failoverMs / 1000 + 3 : 0)
  + (want('recording') ? cfg.rounds * 3 * 2 * (cfg.seconds + 0.3) + 60 : 0)
  + (want('activation') ? 2 * cfg.activationRuns + 20 : 0)
  + (want('profile') ? 2 * cfg.profileSeconds + 5 : 0)
  // Each quota cell: its minutes, a minute's pause, start-up and drain; per load and target; plus the estimator.
  + (want('quota') ? cfg.quotaLoads.length * cfg.quotaTargets.length * ((cfg.quotaMinutes + 1) * (60 / QUOTA_SCENARIO.timeScale) + 3) + 10 : 0);
const DEADLINE_MS = Math.round(2 * expectedSec * 1000 + 60_000);

const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const t0 = Date.now();

// ---- machine, tools, pinning ----
const tools = ensureTools(!opt['no-install'], log);
const notes = [...tools.notes];
const cpus = allowedCpus();
const pinned = Boolean(tools.taskset) && cpus.length >= 2;
const proxyCpu = pinned ? cpus[0] : undefined;
const loadCpu = pinned ? cpus[1] : undefined;
if (pinned) {
  pinSelf(loadCpu);
  notes.push(`proxies (ours, nginx${base ? ', baseline' : ''}) pinned to cpu ${proxyCpu}; load (wrk, clients) and backends pinned to cpu ${loadCpu}${cpus.length > 2 ? `; ${cpus.length - 2} more cpus left idle` : ''}`);
} else if (cpus.length < 2) {
  notes.push('one cpu: proxies, load and backends share it; ratios to direct are pessimistic');
}
const machine = { ...machineInfo(tools), allowedCpus: cpus, proxyCpu, loadCpu };
const procs = new Procs({ taskset: Boolean(tools.taskset) });
const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-bench-'));
procs.tell(`dir ${dir}`);

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await procs.stopAll();
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', () => {
  procs.killAllNow();
  rmSync(dir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    log(`${sig}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}
const deadline = setTimeout(() => {
  log(`deadline of ${DEADLINE_MS / 1000} s reached: stopping everything`);
  void cleanup().finally(() => process.exit(124));
}, DEADLINE_MS);

try {
  await main();
  await cleanup();
  clearTimeout(deadline);
} catch (e) {
  // After a signal or the deadline, the failure is only the children going away.
  if (!cleaned) log(`failed: ${e?.stack ?? e}`);
  await cleanup();
  clearTimeout(deadline);
  process.exitCode = 1;
}

async function main() {
  if (!existsSync(CLI)) {
    if (opt['no-build']) throw new Error(`${CLI} is missing: run npm run build`);
    log('building dist/cli.js (node esbuild.js)...');
    const r = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
    if (r.status !== 0) throw new Error('build failed');
  }
  if (base) {
    const b = B.buildBaseline({ root: ROOT, dir, base, log });
    base.cli = b.cli;
    base.skipped = b.error;
    if (b.error) log(`${b.error}\n[bench] the baseline is skipped; the rest runs`);
    notes.push(b.error ? `baseline ${base.ref} (${base.short}) skipped: ${b.error.split('\n')[0]}` : `baseline: ${base.ref} = commit ${base.short} (${base.commit}), built from git archive with this checkout's node_modules${b.lockDiffers ? ' (its package-lock.json differs from ours)' : ''}`);
  }
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, node ${machine.node}, nginx ${machine.nginx ?? '-'}, wrk ${machine.wrk ?? '-'}`);
  for (const n of notes) log(`note: ${n}`);
  // Before anything of ours runs: is someone else already using the machine?
  const m0 = machineCpuMicros();
  await new Promise((r) => setTimeout(r, 1000));
  machine.otherCpuPctBefore = Math.round((machineCpuMicros().busy - m0.busy) / 1e4);
  if (machine.otherCpuPctBefore > 10) log(`warning: the machine is busy before the bench starts (${machine.otherCpuPctBefore}% of one core in use); expect noisy latency and req/s`);
  const env = await setUp();
  const result = { machine, config: cfg, notes, targetsMeasured: env.names, throughput: { runs: [] }, streaming: { runs: [] } };

  if (tools.wrk && want('throughput')) result.throughput.runs = await throughputPhase(env);
  result.rss = { proxy: peakRss([env.proxy.child.pid]), baseline: env.baseline ? peakRss([env.baseline.child.pid]) : undefined, nginx: env.nginx ? peakRss(processTree(env.nginx.child.pid)) : undefined, backends: peakRss([env.backend.pid]), nodeFloor: peakRss([env.floor.pid]) };
  if (want('streaming')) result.streaming.runs = await streamingPhase(env);
  result.rss.proxyAtEnd = peakRss([env.proxy.child.pid]);
  if (env.baseline) result.rss.baselineAtEnd = peakRss([env.baseline.child.pid]);
  await procs.stop(env.proxy.child);
  if (env.baseline) await procs.stop(env.baseline.child);
  if (env.nginx) await procs.stop(env.nginx.child);
  if (want('failover')) result.failover = { run: await failoverPhase(env) };
  if (want('recording') && tools.wrk) result.recording = await recordingSection(env);
  if (want('activation')) result.activation = activationSection();
  if (want('quota')) {
    result.quota = await quotaPhase({ procs, cli: CLI, startProxy, loadCpu, proxyCpu, log, minutes: cfg.quotaMinutes, loads: cfg.quotaLoads, only: cfg.quotaTargets });
    result.quota.estimator = estimatorCost();
  }
  if (want('profile') && tools.wrk) result.profile = await profilePhase(env);
  if (env.backend.exitCode !== null) notes.push(`the bench backends exited early: ${env.backendErr.text}`);

  // ---- report ----
  const cells = R.summariseThroughput(result.throughput.runs, env.names);
  const streams = R.summariseStreams(result.streaming.runs, env.names, cfg.stream);
  const failover = R.summariseFailover(result.failover?.run);
  const measured = [...result.throughput.runs, ...result.streaming.runs];
  result.noise = { otherCpuPct: R.spread(measured.map((r) => r.otherCpuPct)), stealPct: R.spread(measured.map((r) => r.stealPct)) };
  if (measured.length) {
    const n = result.noise;
    notes.push(`other load on the machine during measurements: median ${Math.round(n.otherCpuPct.med)}%, max ${Math.round(n.otherCpuPct.max)}% of one core; steal median ${Math.round(n.stealPct.med)}%, max ${Math.round(n.stealPct.max)}%`
      + (n.otherCpuPct.max > 15 || n.stealPct.max > 15 ? ' (NOISY: something else was running; compare CPU µs/req, which noise hardly moves, and re-run on a quiet machine for latency and req/s)' : ''));
  }
  const targets = R.checkTargets({ cells, streams, rss: result.rss, failover, hasNginx: Boolean(env.nginx) });
  result.summary = { throughput: cells, streaming: streams, failover, rss: result.rss, noise: result.noise, targets };
  result.elapsedSec = Math.round((Date.now() - t0) / 1000);

  const recording = summariseRecording(result.recording);
  result.summary.recording = recording;
  let text = R.renderAll({ result, cfg, cells, streams, failover, targets });
  if (base) {
    if (!base.skipped && !result.throughput.runs.length) base.skipped = 'no throughput rounds ran (is wrk installed?)';
    const s = base.skipped ? B.skippedBaseline(base, base.skipped) : B.summariseBaseline(result.throughput.runs, result.rss, base, result.streaming.runs.length > 0);
    const t = base.skipped ? B.checkSkipped(base.skipped) : B.checkBaseline(s);
    result.summary.baseline = { ...s, targets: t };
    text += `\n\n${B.renderBaseline(s, t)}`;
  }
  if (recording) text += `\n\nRecording cost (issue 13): the same CLI built with metrics and timelines recorded vs with src/core/metrics/enabled.ts = false; ${cfg.rounds} interleaved rounds\n${renderRecording(recording)}`;
  if (result.activation) text += `\n\n${result.activation.text}`;
  if (result.quota) {
    const rows = summariseQuota(result.quota);
    const quotaTargets = checkQuotaTargets(rows, 5000 / QUOTA_SCENARIO.timeScale);
    result.summary.quota = { rows, targets: quotaTargets };
    text += `\n\n${renderQuota(result.quota, rows, quotaTargets, result.quota.estimator)}`;
  }
  process.stdout.write(`${text}\n`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(out.replace(/\.json$/, '') + '.txt', `${text}\n`);
  log(`wrote ${out} (${result.elapsedSec} s)`);
}

/** Request bodies, backends, our proxy and nginx, all pinned and ready. */
async function setUp() {
  // A small chat request and a 20 KB prompt (coding tools send large ones).
  const small = JSON.stringify({ messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Say hello.' }], max_tokens: 16 });
  const bigBase = { messages: [{ role: 'system', content: 'You are a coding assistant.' }, { role: 'user', content: '' }], max_tokens: 256 };
  const filler = 'function add(a, b) {\n  return a + b; // some code the user is asking about\n}\n';
  bigBase.messages[1].content = filler.repeat(Math.ceil(20 * 1024 / filler.length));
  while (JSON.stringify(bigBase).length > 20 * 1024) bigBase.messages[1].content = bigBase.messages[1].content.slice(0, -1);
  const bodies = { small: join(dir, 'small.json'), '20KB': join(dir, 'big.json') };
  writeFileSync(bodies.small, small);
  writeFileSync(bodies['20KB'], JSON.stringify(bigBase));

  const backend = procs.start(process.execPath, [BACKEND, '3'], { cpu: loadCpu, env: { ...process.env, BENCH_RETRY_AFTER: '1', BENCH_RETRY_AFTER_MS: '100' } });
  const bl = await waitForLine(backend, /^(\{.*\})\n/m, 10_000, 'bench backends');
  const { ports, throttledPort } = JSON.parse(bl[1]);
  drain(backend.stdout);
  const backendErr = drain(backend.stderr);

  const proxy = await startProxy('pool.json', poolConfig(ports));
  const targets = { direct: `http://127.0.0.1:${ports[0]}${PATH}`, proxy: `${proxy.url}${PATH}` };
  let baseline;
  if (base?.cli) {
    try {
      baseline = await startProxy('baseline.json', poolConfig(ports), [], {}, base.cli);
      targets.baseline = `${baseline.url}${PATH}`;
    } catch (e) {
      // Most likely its config validation refuses a key today's poolConfig() writes: its stderr says which.
      base.skipped = `its proxy (${base.cli}) did not start with today's pool config (poolConfig() in bench/run.mjs): ${e.message}`;
      log(`baseline ${base.ref} (${base.short}): ${base.skipped}\n[bench] the baseline is skipped; the rest runs`);
      notes.push(`baseline ${base.ref} (${base.short}) skipped: its proxy did not start (see below)`);
    }
  }
  let nginx;
  if (tools.nginx && !opt['no-nginx']) {
    try {
      nginx = await startNginx(procs, { bin: tools.nginx, dir, cpu: proxyCpu, upstreamPorts: ports });
      targets.nginx = `http://127.0.0.1:${nginx.port}${PATH}`;
    } catch (e) {
      notes.push(`nginx did not start, baseline skipped: ${String(e.message).split('\n').slice(0, 3).join(' ')}`);
    }
  }
  // The Node floor: a bare node:http + undici relay on the proxy core.
  const floor = procs.start(process.execPath, [FLOOR, String(ports[0])], { cpu: proxyCpu });
  const fl = await waitForLine(floor, /^(\{.*\})\n/m, 10_000, 'node floor');
  drain(floor.stdout);
  drain(floor.stderr);
  targets['node-floor'] = `http://127.0.0.1:${JSON.parse(fl[1]).port}${PATH}`;
  log(`backends :${ports.join(', :')} (429 on :${throttledPort}); proxy ${proxy.url}${baseline ? `; baseline ${base.short} ${baseline.url}` : ''}${nginx ? `; nginx :${nginx.port}` : ''}`);
  const pidsOf = { proxy: () => [proxy.child.pid], baseline: () => (baseline ? [baseline.child.pid] : []), nginx: () => (nginx ? processTree(nginx.child.pid) : []), direct: () => [backend.pid], 'node-floor': () => [floor.pid] };
  /**
   * CPU used on this machine by anything but the bench's own processes while
   * a measurement runs, in % of one core, plus steal: other sessions' builds
   * and tests show up here, and explain a noisy round. `extra`: more processes of ours.
   */
  const noiseMeter = (extra = []) => {
    const ours = () => cpuMicros([proxy.child.pid, backend.pid, floor.pid, procs.reaper.pid, ...pidsOf.nginx(), ...pidsOf.baseline(), ...extra]) + selfAndReapedMicros();
    const m0 = machineCpuMicros();
    const o0 = ours();
    const w0 = performance.now();
    return () => {
      const m1 = machineCpuMicros();
      const wallUs = (performance.now() - w0) * 1000;
      return { otherCpuPct: (100 * Math.max(0, m1.busy - m0.busy - (ours() - o0))) / wallUs, stealPct: (100 * (m1.steal - m0.steal)) / wallUs };
    };
  };
  return { small, bodies, backend, backendErr, ports, throttledPort, proxy, baseline, nginx, floor, targets, names: Object.keys(targets), pidsOf, noiseMeter };
}

function poolConfig(ports) {
  return { port: 0, healthProbe: { intervalSec: 0 }, logRequests: false, backends: ports.map((p, i) => ({ name: `b${i + 1}`, endpoint: `http://127.0.0.1:${p}`, deployments: [DEPLOYMENT] })) };
}

/** wrk at each body size and concurrency, the targets interleaved inside each round. */
async function throughputPhase({ names, targets, bodies, pidsOf, noiseMeter }) {
  const wrk = (url, conns, seconds, bodyFile) => runWrk(procs, { bin: tools.wrk, cpu: loadCpu, url, conns, seconds, bodyFile, clientKey: CLIENT_KEY });
  log(`warm-up: ${cfg.warmSeconds} s per target and body at c32`);
  for (const body of Object.keys(bodies)) for (const t of names) await wrk(targets[t], 32, cfg.warmSeconds, bodies[body]);
  const cells = Object.keys(bodies).flatMap((body) => cfg.conns.map((conns) => ({ body, conns })));
  log(`throughput: ${cfg.rounds} rounds x ${cells.length} cells x ${names.length} targets x ${cfg.seconds} s (~${Math.round(cfg.rounds * cells.length * names.length * (cfg.seconds + 0.15))} s)`);
  const runs = [];
  for (let round = 0; round < cfg.rounds; round++) {
    for (const { body, conns } of cells) {
      // Rotate the order each round so no target always runs first (or right after another).
      for (const t of rotate(names, round)) {
        const pids = pidsOf[t]();
        const before = cpuMicros(pids);
        const noise = noiseMeter();
        const r = await wrk(targets[t], conns, cfg.seconds, bodies[body]);
        const cpu = cpuMicros(pids) - before;
        runs.push({ round, body, conns, target: t, ...r, cpuUsPerReq: r.requests ? cpu / r.requests : NaN, ...noise() });
      }
    }
    log(`  round ${round + 1}/${cfg.rounds} done (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  return runs;
}

function rotate(xs, n) {
  return xs.map((_, i) => xs[(i + n) % xs.length]);
}

/** SSE streams, sequential then concurrent, per target, interleaved. */
async function streamingPhase({ names, targets, small, noiseMeter }) {
  const sc = cfg.stream;
  log(`streaming: ${sc.rounds} rounds x ${names.length} targets, ${sc.seq} sequential + ${sc.conc} concurrent streams of ${sc.chunks} chunks ${sc.intervalMs} ms apart`);
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'Tell me a story.' }], stream: true });
  const runs = [];
  for (let round = 0; round < sc.rounds; round++) {
    for (const t of rotate(names, round)) {
      const noise = noiseMeter();
      const r = await runClient({ kind: 'stream', url: targets[t], headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json' }, body, warmBody: small, seq: sc.seq, conc: sc.conc, chunks: sc.chunks, intervalMs: sc.intervalMs });
      runs.push({ round, target: t, ...r, ...noise() });
    }
  }
  return runs;
}

/** A fresh proxy: 429 backend at priority 1, healthy one at priority 2. */
async function failoverPhase({ ports, throttledPort, small }) {
  log(`failover: 429 backend (Retry-After: 1, retry-after-ms: 100) at priority 1, healthy at priority 2, ${cfg.failoverMs / 1000} s of sequential requests`);
  const p = await startProxy('failover.json', {
    port: 0, healthProbe: { intervalSec: 0 }, logRequests: false,
    backends: [
      { name: 'throttled', endpoint: `http://127.0.0.1:${throttledPort}`, priority: 1, deployments: [DEPLOYMENT] },
      { name: 'healthy', endpoint: `http://127.0.0.1:${ports[1]}`, priority: 2, deployments: [DEPLOYMENT] },
    ],
  });
  try {
    return await runClient({
      kind: 'failover', url: `${p.url}${PATH}`, directUrl: `http://127.0.0.1:${ports[1]}${PATH}`, seenUrl: `http://127.0.0.1:${throttledPort}/_bench/seen`,
      headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json' }, body: small, durationMs: cfg.failoverMs,
    });
  } finally {
    await procs.stop(p.child);
  }
}

/** Starts `node dist/cli.js serve` (or another build, `cli`) on the proxy core with a config file; resolves once it listens. */
async function startProxy(file, config, nodeArgs = [], keyEnv = {}, cli = CLI) {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(config, null, 2));
  const env = { ...process.env, AOAI_POOL_CLIENT_KEY: CLIENT_KEY };
  for (const b of config.backends) env[`AOAI_POOL_KEY_${b.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = `bench-upstream-key-${b.name}`;
  Object.assign(env, keyEnv);
  const child = procs.start(process.execPath, [...nodeArgs, cli, 'serve', '--config', path, '--port', '0'], { cpu: proxyCpu, env, cwd: dir });
  let m;
  try {
    m = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 15_000, 'the proxy');
  } catch (e) {
    // One that hangs instead of listening must not keep the proxy core busy for the rest of the run.
    await procs.stop(child);
    throw e;
  }
  drain(child.stdout);
  drain(child.stderr);
  return { child, url: m[1] };
}

/** The extension's activation: bundle size and load + activate() time (scripts/activation/measure.mjs). */
function activationSection() {
  log(`activation: ${cfg.activationRuns} fresh processes per build`);
  const json = join(dir, 'activation.json');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'activation', 'measure.mjs'), '--runs', String(cfg.activationRuns), '--json', json], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    notes.push(`activation measurement failed: ${(r.stderr || r.stdout).slice(0, 500)}`);
    return undefined;
  }
  return { ...JSON.parse(readFileSync(json, 'utf8')), text: r.stdout.trim() };
}

/** Recording on vs a no-op build of the same CLI, same pool and pinning (bench/lib/recording.mjs). */
async function recordingSection({ ports, bodies, noiseMeter }) {
  log('recording cost: building the CLI with and without recording');
  const clis = await buildClis(ROOT);
  return recordingPhase({
    start: (name, nodeArgs) => startProxy(`rec-${name}.json`, poolConfig(ports), nodeArgs, {}, clis[name]),
    stop: (child) => procs.stop(child),
    wrk: (url, conns, seconds, bodyFile) => runWrk(procs, { bin: tools.wrk, cpu: loadCpu, url, conns, seconds, bodyFile, clientKey: CLIENT_KEY }),
    bodies, path: PATH, rounds: cfg.rounds, seconds: cfg.seconds, log, noiseMeter, microFile: clis.micro, cpu: proxyCpu,
  });
}

/** The charge estimate's cost per request (bench/lib/estimateCost.ts, through tsx), on the load core. */
function estimatorCost() {
  const args = ['--import', 'tsx', join(ROOT, 'bench', 'lib', 'estimateCost.ts')];
  const r = spawnSync(tools.taskset && loadCpu !== undefined ? 'taskset' : process.execPath,
    tools.taskset && loadCpu !== undefined ? ['-c', String(loadCpu), process.execPath, ...args] : args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    notes.push(`estimator cost not measured: ${(r.stderr || r.error?.message || '').split('\n')[0]}`);
    return undefined;
  }
  return JSON.parse(r.stdout);
}

/** Runs bench/lib/client.mjs on the load core and returns its JSON. */
async function runClient(job) {
  const child = procs.start(process.execPath, [CLIENT, JSON.stringify(job)], { cpu: loadCpu, stdio: ['ignore', 'pipe', 'pipe'] });
  const o = drain(child.stdout, 10_000_000);
  const e = drain(child.stderr);
  const timer = setTimeout(() => void procs.stop(child, 1000), 60_000);
  const { code } = await child.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`client (${job.kind}) failed: ${e.text}`);
  return JSON.parse(o.text);
}

/** The proxy alone under node --cpu-prof at c32, small then 20 KB bodies. */
async function profilePhase({ ports, bodies }) {
  const profDir = join(ROOT, 'bench', 'results', 'profile');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  log(`profile: node --cpu-prof, c32, ${cfg.profileSeconds} s per body`);
  const p = await startProxy('profile.json', poolConfig(ports), ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '250']);
  const url = `${p.url}${PATH}`;
  await runWrk(procs, { bin: tools.wrk, cpu: loadCpu, url, conns: 32, seconds: 1, bodyFile: bodies.small, clientKey: CLIENT_KEY });
  const runs = {};
  for (const body of Object.keys(bodies)) {
    runs[body] = await runWrk(procs, { bin: tools.wrk, cpu: loadCpu, url, conns: 32, seconds: cfg.profileSeconds, bodyFile: bodies[body], clientKey: CLIENT_KEY });
  }
  await procs.stop(p.child, 10_000);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return { error: 'no .cpuprofile written' };
  return { rps: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Math.round(v.rps)])), ...summariseProfile(join(profDir, file), CLI) };
}
