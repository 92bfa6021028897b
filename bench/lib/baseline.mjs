/**
 * `--baseline REF` (issue 10): today's proxy against a build of another commit
 * of this repository, in the same run and the same interleaved rounds, so the
 * machine's noise hits both builds alike. Issue 10 asks that throughput, CPU
 * per request and peak RSS stay within 10 % of the build before quota routing;
 * comparing two separate runs on a shared machine could not tell that apart
 * from noise.
 *
 * The commit is extracted with `git archive` (no network) into the bench's
 * temp dir and built there by its own `node esbuild.js`, with this checkout's
 * node_modules borrowed through a symlink: nothing is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spread, table, target, fmtInt, fmtMs, fmtMb, renderTargets } from './report.mjs';

/** The issue's bound: within 10 % of the baseline. */
export const BOUND = { minRpsRatio: 0.9, maxCpuRatio: 1.1, maxRssRatio: 1.1 };

/** Seconds the expected-time estimate gives the extraction and build. */
export const BUILD_SECONDS = 30;
// As long as the bench gives its own build (run.mjs).
const BUILD_TIMEOUT_MS = 120_000;

const lastLines = (text, n = 12) => String(text ?? '').trim().split('\n').slice(-n).join('\n');

/**
 * REF as a commit of the repository at `root`: { ref, commit, short }.
 * Throws an error that says what to pass instead; called before anything starts.
 */
export function resolveRef(root, ref) {
  if (!ref || ref.startsWith('-')) throw new Error(`--baseline: expected a git ref or commit of this repository (e.g. --baseline main~1), got ${JSON.stringify(ref ?? '')}`);
  const git = (args) => spawnSync('git', args, { cwd: root, encoding: 'utf8', timeout: 15_000 });
  const r = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (r.error) throw new Error(`--baseline ${ref}: could not run git (${r.error.message}); the baseline is built from this checkout's history, so git must be on PATH`);
  if (r.status !== 0) {
    const why = lastLines(r.stderr, 2);
    throw new Error(`--baseline ${ref}: not a commit of the repository at ${root}${why ? ` (${why})` : ''}; pass a branch, tag or commit that \`git rev-parse ${ref}\` resolves there, e.g. --baseline main~1`);
  }
  const commit = r.stdout.trim();
  const short = git(['rev-parse', '--short', commit]).stdout?.trim() || commit.slice(0, 7);
  return { ref, commit, short };
}

/**
 * Extracts `base.commit` into `dir/baseline` and builds its dist/cli.js.
 * Returns { cli } or { error }: a baseline that does not build is skipped with
 * the reason, the rest of the bench still runs.
 */
export function buildBaseline({ root, dir, base, log }) {
  const into = join(dir, 'baseline');
  const tar = join(dir, 'baseline.tar');
  const name = `baseline ${base.ref} (${base.short})`;
  mkdirSync(into, { recursive: true });
  log(`${name}: extracting (git archive) and building (its own node esbuild.js)...`);
  const a = spawnSync('git', ['archive', '--format=tar', '-o', tar, base.commit], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (a.status !== 0) return { error: `${name}: git archive failed: ${lastLines(a.stderr || a.error?.message, 3)}` };
  const x = spawnSync('tar', ['-xf', tar, '-C', into], { encoding: 'utf8', timeout: 60_000 });
  rmSync(tar, { force: true });
  if (x.status !== 0) return { error: `${name}: tar -x failed: ${lastLines(x.stderr || x.error?.message, 3)}` };
  if (!existsSync(join(into, 'esbuild.js'))) return { error: `${name} has no esbuild.js at its root: it predates the build this bench knows how to run` };
  symlinkSync(join(root, 'node_modules'), join(into, 'node_modules'), 'dir');
  const lock = (d) => (existsSync(join(d, 'package-lock.json')) ? readFileSync(join(d, 'package-lock.json'), 'utf8') : '');
  const lockDiffers = lock(root) !== lock(into);
  if (lockDiffers) log(`${name}: its package-lock.json differs from this checkout's; building it with this checkout's node_modules anyway`);
  const b = spawnSync(process.execPath, ['esbuild.js'], { cwd: into, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  const cli = join(into, 'dist', 'cli.js');
  if (b.status === 0 && existsSync(cli)) return { cli, lockDiffers };
  const why = b.error?.code === 'ETIMEDOUT' ? `timed out after ${BUILD_TIMEOUT_MS / 1000} s`
    : b.status === 0 ? 'succeeded but wrote no dist/cli.js'
      : `failed (${b.status ?? b.signal}): ${lastLines(`${b.stdout ?? ''}\n${b.stderr ?? ''}`)}`;
  return {
    error: `${name}: node esbuild.js ${why}`
      + (lockDiffers ? `\n  its package-lock.json differs from this checkout's and the build borrowed this checkout's node_modules; to measure it, build it in its own checkout (git worktree add, npm ci) and compare separately. Nothing was installed.` : ''),
  };
}

/**
 * Per throughput cell, today's proxy against the baseline, ratios paired within each round.
 * `streamed`: streaming ran against both, so the peak RSS at the end covers it too.
 */
export function summariseBaseline(runs, rss, base, streamed) {
  const cells = [];
  for (const key of [...new Set(runs.map((r) => `${r.body}|${r.conns}`))]) {
    const [body, connsStr] = key.split('|');
    const conns = Number(connsStr);
    const inCell = runs.filter((r) => r.body === body && r.conns === conns);
    const of = (t) => inCell.filter((r) => r.target === t);
    const bl = new Map(of('baseline').map((r) => [r.round, r]));
    if (bl.size === 0 || of('proxy').length === 0) continue;
    const paired = of('proxy').filter((r) => bl.has(r.round)).map((r) => [r, bl.get(r.round)]);
    const both = (f) => ({ proxy: spread(of('proxy').map(f)), baseline: spread(of('baseline').map(f)) });
    const ratio = (f) => spread(paired.map(([p, b]) => f(p) / f(b)));
    const p50 = (r) => r.latencyUs.p50 / 1000;
    cells.push({
      body, conns,
      rps: both((r) => r.rps), rpsRatio: ratio((r) => r.rps),
      cpuUsPerReq: both((r) => r.cpuUsPerReq), cpuRatio: ratio((r) => r.cpuUsPerReq),
      p50Ms: both(p50), p50Ratio: ratio(p50),
      errors: { proxy: of('proxy').reduce((a, r) => a + r.errorCount, 0), baseline: of('baseline').reduce((a, r) => a + r.errorCount, 0) },
    });
  }
  return {
    ref: base.ref, commit: base.short, fullCommit: base.commit, cells,
    rss: {
      proxy: rss.proxy, baseline: rss.baseline, ratio: rss.proxy / rss.baseline,
      ...(streamed ? { proxyAtEnd: rss.proxyAtEnd, baselineAtEnd: rss.baselineAtEnd, ratioAtEnd: rss.proxyAtEnd / rss.baselineAtEnd } : {}),
    },
  };
}

const pct = (ratio) => (Number.isFinite(ratio) ? `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%` : '-');

/** Issue 10's bound, each check with the numbers it was judged on. */
export function checkBaseline(s) {
  const t = [];
  // `worst`: the lowest req/s ratio, the highest CPU ratio; shown even when every cell passes.
  const every = (name, ratioOf, ok, lowIsBad, values) => {
    const rs = s.cells.map((c) => ({ where: `${c.body} c${c.conns}`, r: ratioOf(c).med, c })).filter((x) => Number.isFinite(x.r));
    if (rs.length === 0) return;
    const worst = rs.reduce((a, b) => ((lowIsBad ? b.r < a.r : b.r > a.r) ? b : a));
    t.push(target(`${name} (every cell)`, rs.every((x) => ok(x.r)), `worst ${worst.where}: ${values(worst.c)} (${pct(worst.r)}); all: ${rs.map((x) => `${x.where} ${pct(x.r)}`).join(', ')}`));
  };
  every(`req/s >= ${BOUND.minRpsRatio}x baseline`, (c) => c.rpsRatio, (r) => r >= BOUND.minRpsRatio, true, (c) => `${fmtInt(c.rps.proxy.med)} vs ${fmtInt(c.rps.baseline.med)} req/s`);
  every(`CPU per request <= ${BOUND.maxCpuRatio}x baseline`, (c) => c.cpuRatio, (r) => r <= BOUND.maxCpuRatio, false, (c) => `${fmtInt(c.cpuUsPerReq.proxy.med)} vs ${fmtInt(c.cpuUsPerReq.baseline.med)} µs/req`);
  const rss = (name, p, b, r) => {
    if (Number.isFinite(r)) t.push(target(`${name} <= ${BOUND.maxRssRatio}x baseline`, r <= BOUND.maxRssRatio, `${fmtMb(p)} vs ${fmtMb(b)} MB (${pct(r)})`));
  };
  if (s.cells.length) rss('peak RSS after throughput', s.rss.proxy, s.rss.baseline, s.rss.ratio);
  if (s.rss.ratioAtEnd !== undefined) rss('peak RSS after streaming', s.rss.proxyAtEnd, s.rss.baselineAtEnd, s.rss.ratioAtEnd);
  return t;
}

export function renderBaseline(s, targets) {
  const head = `Against baseline ${s.ref} (${s.commit}): today's proxy vs the baseline's, same pool, same cpu, same interleaved rounds; ratios paired within each round (issue 10: within 10 %)`;
  if (s.skipped) return `${head}\nnot measured: ${s.skipped}\n${renderTargets(targets)}`;
  const rows = s.cells.map((c) => [
    c.body, `c${c.conns}`, '',
    fmtInt(c.rps.proxy.med), fmtInt(c.rps.baseline.med), pct(c.rpsRatio.med), mark(c.rpsRatio.med >= BOUND.minRpsRatio),
    fmtInt(c.cpuUsPerReq.proxy.med), fmtInt(c.cpuUsPerReq.baseline.med), pct(c.cpuRatio.med), mark(c.cpuRatio.med <= BOUND.maxCpuRatio),
    fmtMs(c.p50Ms.proxy.med), fmtMs(c.p50Ms.baseline.med), pct(c.p50Ratio.med),
    `${c.errors.proxy}/${c.errors.baseline}`,
  ]);
  return [
    head,
    table(['body', 'conns', '', 'req/s today', 'baseline', 'diff', '', 'CPU µs/req today', 'baseline', 'diff', '', 'p50 ms today', 'baseline', 'diff', 'errors'], rows),
    `peak RSS (VmHWM): after throughput today ${fmtMb(s.rss.proxy)} MB, baseline ${fmtMb(s.rss.baseline)} MB (${pct(s.rss.ratio)})`
      + (s.rss.ratioAtEnd !== undefined ? `; after streaming today ${fmtMb(s.rss.proxyAtEnd)} MB, baseline ${fmtMb(s.rss.baselineAtEnd)} MB (${pct(s.rss.ratioAtEnd)})` : ''),
    renderTargets(targets),
  ].join('\n');
}

const mark = (ok) => (ok ? 'ok' : 'MISS');

/** The summary when the baseline could not be measured: one failed check that says why. */
export function skippedBaseline(base, reason) {
  return { ref: base.ref, commit: base.short, fullCommit: base.commit, skipped: reason, cells: [] };
}

export function checkSkipped(reason) {
  // One line, but with the cause (a config error is on the proxy's later stderr lines).
  const oneLine = reason.split('\n').map((l) => l.trim()).filter(Boolean).join(' | ');
  return [target('baseline measured', false, oneLine.length > 600 ? `${oneLine.slice(0, 600)}…` : oneLine)];
}
