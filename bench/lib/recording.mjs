/**
 * What recording (metrics series, request timelines, the recent-requests
 * ring; issue 13) costs the hot path. Two CLI bundles are built from the
 * same source with the same options; in one, src/core/metrics/enabled.ts is
 * replaced by `RECORDING = false`, so the proxy records nothing. Both run
 * the same pool, pinned to the proxy core, in interleaved rounds:
 *
 * - throughput and CPU per request (wrk, as in the throughput section).
 *
 * And in isolation (recording-micro.ts: the trace calls of a request and
 * PoolMetrics.finish, in a loop, recording on and off): the time per request,
 * and the bytes allocated per request, exactly, from V8's `--trace-gc-nvp`
 * (it prints the bytes allocated since the previous collection; runs of two
 * lengths cancel start-up). End to end, allocation per request varies with
 * the request rate by more than recording's share, so it is measured here.
 */
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { cpuMicros } from './procs.mjs';
import { spread, table } from './report.mjs';

export const BUILDS = ['recording', 'no-op'];

/** Builds bench/results/build/cli-recording.js and cli-no-op.js. */
export async function buildClis(root) {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  const outDir = join(root, 'bench', 'results', 'build');
  mkdirSync(outDir, { recursive: true });
  const off = {
    name: 'recording-off',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]core[\\/]metrics[\\/]enabled\.ts$/ }, () => ({ contents: 'export const RECORDING = false;', loader: 'ts' }));
    },
  };
  const cli = createRequire(join(root, 'package.json'))(join(root, 'esbuild.js')).builds.find((b) => b.outfile === 'dist/cli.js');
  const files = { micro: join(outDir, 'recording-micro.js') };
  await esbuild.build({ entryPoints: [join(root, 'bench', 'lib', 'recording-micro.ts')], outfile: files.micro, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' });
  for (const name of BUILDS) {
    files[name] = join(outDir, `cli-${name}.js`);
    // The shipped CLI's options (externals, the tokenizer outside), so both builds are the CLI users run.
    await esbuild.build({ ...cli, absWorkingDir: root, outfile: files[name], logLevel: 'silent', plugins: name === 'no-op' ? [...cli.plugins, off] : cli.plugins });
  }
  return files;
}

/**
 * @param {object} o
 * @param {(name: string, nodeArgs: string[]) => Promise<{ child: import('node:child_process').ChildProcess, url: string, stderr?: import('node:stream').Readable }>} o.start  starts a build's proxy
 * @param {(url: string, conns: number, seconds: number, body: string) => Promise<any>} o.wrk
 */
export async function recordingPhase({ start, stop, wrk, bodies, path, rounds, seconds, log, noiseMeter, microFile, cpu }) {
  const cells = [{ body: 'small', conns: 1 }, { body: 'small', conns: 32 }, { body: '20KB', conns: 32 }];
  const runs = [];
  const proxies = {};
  for (const name of BUILDS) proxies[name] = await start(name, []);
  try {
    for (const name of BUILDS) await wrk(`${proxies[name].url}${path}`, 32, 1, bodies.small);
    log(`recording cost: ${rounds} rounds x ${cells.length} cells x ${BUILDS.length} builds x ${seconds} s`);
    for (let round = 0; round < rounds; round++) {
      for (const { body, conns } of cells) {
        for (const name of round % 2 ? [...BUILDS].reverse() : BUILDS) {
          const pid = proxies[name].child.pid;
          const before = cpuMicros([pid]);
          const noise = noiseMeter?.(BUILDS.map((b) => proxies[b].child.pid));
          const r = await wrk(`${proxies[name].url}${path}`, conns, seconds, bodies[body]);
          runs.push({ round, body, conns, build: name, rps: r.rps, p50Us: r.latencyUs.p50, errors: r.errorCount, cpuUsPerReq: r.requests ? (cpuMicros([pid]) - before) / r.requests : NaN, ...noise?.() });
        }
      }
    }
  } finally {
    for (const name of BUILDS) await stop(proxies[name].child);
  }

  return { runs, micro: micro(microFile, cpu) };
}

/** The recording path alone: ns per request (median of 3 runs) and bytes allocated per request, recording on and off. */
function micro(file, cpu) {
  const run = (mode, n, flags) => {
    const args = [...flags, file, mode, String(n)];
    const r = spawnSync(cpu === undefined ? process.execPath : 'taskset', cpu === undefined ? args : ['-c', String(cpu), process.execPath, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`recording micro (${mode}) failed: ${r.stderr}`);
    let bytes = 0;
    for (const m of r.stdout.matchAll(/\ballocated=(\d+)/g)) bytes += Number(m[1]);
    return { ...JSON.parse(/^MICRO (.+)$/m.exec(r.stdout)[1]), bytes };
  };
  const out = {};
  for (const mode of ['on', 'off']) {
    const ns = [1, 2, 3].map(() => run(mode, 1_000_000, []).ns).sort((a, b) => a - b)[1];
    const short = run(mode, 200_000, ['--trace-gc-nvp']);
    const long = run(mode, 1_200_000, ['--trace-gc-nvp']);
    out[mode] = { ns, bytesPerReq: (long.bytes - short.bytes) / 1_000_000 };
  }
  return out;
}

export function summariseRecording(result) {
  if (!result) return undefined;
  const cells = [];
  for (const key of [...new Set(result.runs.map((r) => `${r.body}|${r.conns}`))]) {
    const [body, conns] = key.split('|');
    const inCell = result.runs.filter((r) => r.body === body && r.conns === Number(conns));
    const by = (b) => inCell.filter((r) => r.build === b);
    const paired = by('recording').map((r) => [r, inCell.find((x) => x.build === 'no-op' && x.round === r.round)]).filter(([, o]) => o);
    cells.push({
      body, conns: Number(conns),
      rps: Object.fromEntries(BUILDS.map((b) => [b, spread(by(b).map((r) => r.rps))])),
      cpuUsPerReq: Object.fromEntries(BUILDS.map((b) => [b, spread(by(b).map((r) => r.cpuUsPerReq))])),
      rpsRatio: spread(paired.map(([r, o]) => r.rps / o.rps)),
      addedCpuUs: spread(paired.map(([r, o]) => r.cpuUsPerReq - o.cpuUsPerReq)),
      errors: inCell.reduce((a, r) => a + r.errors, 0),
    });
  }
  const m = result.micro;
  return {
    cells, micro: m, addedNsPerReq: m.on.ns - m.off.ns, addedBytesPerReq: m.on.bytesPerReq - m.off.bytesPerReq,
    otherCpuPct: spread(result.runs.map((r) => r.otherCpuPct)),
  };
}

export function renderRecording(s) {
  const f0 = (x) => (Number.isFinite(x) ? String(Math.round(x)) : 'n/a');
  const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  const sgn = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(1)}` : 'n/a');
  const rows = s.cells.map((c) => [
    c.body, `c${c.conns}`, '', f0(c.rps.recording.med), f0(c.rps['no-op'].med), f2(c.rpsRatio.med),
    f0(c.cpuUsPerReq.recording.med), f0(c.cpuUsPerReq['no-op'].med), sgn(c.addedCpuUs.med), String(c.errors),
  ]);
  const m = s.micro;
  const noise = s.otherCpuPct;
  return [
    table(['body', 'conns', '', 'req/s recording', 'req/s no-op', 'ratio', 'CPU µs/req recording', 'no-op', 'added µs', 'errors'], rows),
    Number.isFinite(noise.med) ? `other load on the machine during these runs: median ${Math.round(noise.med)}%, max ${Math.round(noise.max)}% of one core${noise.max > 15 ? ' (NOISY: trust the ratio and CPU µs more than req/s)' : ''}` : undefined,
    `in isolation (bench/lib/recording-micro.ts, the trace calls and PoolMetrics.finish of a request served at the first attempt): `
      + `${f0(s.addedNsPerReq)} ns and ${f0(s.addedBytesPerReq)} bytes allocated per request (recording ${f0(m.on.ns)} ns / ${f0(m.on.bytesPerReq)} B, baseline ${f0(m.off.ns)} ns / ${f0(m.off.bytesPerReq)} B)`,
  ].filter((l) => l !== undefined).join('\n');
}
