/**
 * What recording (metrics series, request timelines, the recent-requests
 * ring; issue 13) costs the hot path. Two CLI bundles are built from the
 * same source with the same options; in one, src/core/metrics/enabled.ts is
 * replaced by `RECORDING = false`, so the proxy records nothing. Both run
 * the same pool, pinned to the proxy core, in interleaved rounds:
 *
 * - throughput and CPU per request (wrk, as in the throughput section);
 * - bytes allocated per request: V8's `--trace-gc-nvp` prints, at every
 *   collection, the bytes allocated since the previous one; with a 1 MB
 *   young generation the sum over a run is the allocation to within ~1 MB.
 */
import { mkdirSync } from 'node:fs';
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
  const files = {};
  for (const name of BUILDS) {
    files[name] = join(outDir, `cli-${name}.js`);
    await esbuild.build({
      entryPoints: [join(root, 'src', 'cli.ts')], outfile: files[name], bundle: true, platform: 'node', target: 'node20', format: 'cjs',
      mainFields: ['module', 'main'], external: ['@azure/identity'], logLevel: 'silent', plugins: name === 'no-op' ? [off] : [],
    });
  }
  return files;
}

/** Sums `allocated=` of every GC line a child prints (on stdout, where V8 traces go; it must run with --trace-gc-nvp). */
export function allocationMeter(stream) {
  const meter = { bytes: 0, gcs: 0 };
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => {
    const text = rest + d;
    const cut = text.lastIndexOf('\n');
    rest = cut === -1 ? text : text.slice(cut + 1);
    for (const m of (cut === -1 ? '' : text.slice(0, cut)).matchAll(/\ballocated=(\d+)/g)) {
      meter.bytes += Number(m[1]);
      meter.gcs++;
    }
  });
  return meter;
}

/**
 * @param {object} o
 * @param {(name: string, nodeArgs: string[]) => Promise<{ child: import('node:child_process').ChildProcess, url: string, stderr?: import('node:stream').Readable }>} o.start  starts a build's proxy
 * @param {(url: string, conns: number, seconds: number, body: string) => Promise<any>} o.wrk
 */
export async function recordingPhase({ start, stop, wrk, bodies, path, rounds, seconds, allocSeconds, log }) {
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
          const r = await wrk(`${proxies[name].url}${path}`, conns, seconds, bodies[body]);
          runs.push({ round, body, conns, build: name, rps: r.rps, p50Us: r.latencyUs.p50, errors: r.errorCount, cpuUsPerReq: r.requests ? (cpuMicros([pid]) - before) / r.requests : NaN });
        }
      }
    }
  } finally {
    for (const name of BUILDS) await stop(proxies[name].child);
  }

  // Allocation: a fresh pair with a 1 MB young generation and GC tracing.
  const alloc = {};
  for (const name of BUILDS) {
    const p = await start(name, ['--trace-gc-nvp', '--max-semi-space-size=1']);
    try {
      await wrk(`${p.url}${path}`, 32, 1, bodies.small);
      const before = p.meter.bytes;
      const r = await wrk(`${p.url}${path}`, 32, allocSeconds, bodies.small);
      // The GC lines of the run's last collections may still be in the pipe.
      await new Promise((res) => setTimeout(res, 200));
      // What the young generation still held when the run ended is not counted yet: up to 1 MB.
      alloc[name] = { requests: r.requests, bytesPerReq: (p.meter.bytes - before) / r.requests, uncertaintyBytesPerReq: (1024 * 1024) / r.requests, gcs: p.meter.gcs };
    } finally {
      await stop(p.child);
    }
  }
  return { runs, alloc };
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
  const a = result.alloc;
  const addedBytes = a.recording && a['no-op'] ? a.recording.bytesPerReq - a['no-op'].bytesPerReq : NaN;
  return { cells, alloc: a, addedBytesPerReq: addedBytes };
}

export function renderRecording(s) {
  const f0 = (x) => (Number.isFinite(x) ? String(Math.round(x)) : 'n/a');
  const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  const sgn = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(1)}` : 'n/a');
  const rows = s.cells.map((c) => [
    c.body, `c${c.conns}`, '', f0(c.rps.recording.med), f0(c.rps['no-op'].med), f2(c.rpsRatio.med),
    f0(c.cpuUsPerReq.recording.med), f0(c.cpuUsPerReq['no-op'].med), sgn(c.addedCpuUs.med), String(c.errors),
  ]);
  const a = s.alloc;
  return [
    table(['body', 'conns', '', 'req/s recording', 'req/s no-op', 'ratio', 'CPU µs/req recording', 'no-op', 'added µs', 'errors'], rows),
    `allocated per request (small body, c32, --max-semi-space-size=1): recording ${f0(a.recording?.bytesPerReq)} B, no-op ${f0(a['no-op']?.bytesPerReq)} B, added ${sgn(s.addedBytesPerReq)} B`
      + ` (each ±${f0(Math.max(a.recording?.uncertaintyBytesPerReq ?? NaN, a['no-op']?.uncertaintyBytesPerReq ?? NaN))} B: up to 1 MB of young generation uncounted at the end of a run of ${f0(a.recording?.requests)} requests)`,
  ].join('\n');
}
