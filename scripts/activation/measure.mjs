#!/usr/bin/env node
/**
 * Activation cost of the extension (issue 13, item 15): the size of the
 * production dist/extension.js, and the time to load it and run activate()
 * for a new user (no backends), each run in a fresh Node process with a
 * stand-in `vscode` module (probe.cjs). Two builds of the same source, with
 * the same options: `split` (what we ship: heavy parts in lazily loaded
 * chunks) and `single` (everything in one file, as before the split).
 * Runs are interleaved so both see the same machine. Part of `npm run bench`.
 *   node scripts/activation/measure.mjs [--runs N] [--json FILE]
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROBE = join(ROOT, 'scripts', 'activation', 'probe.cjs');
const { values: opt } = parseArgs({ options: { runs: { type: 'string' }, json: { type: 'string' } } });
const runs = Number(opt.runs ?? 15);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');

const require = createRequire(join(ROOT, 'package.json'));
const esbuild = require('esbuild');
const { builds } = require(join(ROOT, 'esbuild.js'));

const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-activation-'));
try {
  const variants = await buildVariants(dir);
  const samples = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  const load0 = loadavg()[0];
  for (let i = 0; i < runs; i++) {
    for (const [name, v] of Object.entries(variants)) {
      const r = spawnSync(process.execPath, [PROBE, v.file], { cwd: v.dir, encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`probe of ${name} failed: ${r.stderr || r.stdout}`);
      samples[name].push(JSON.parse(r.stdout));
    }
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadAvg1mBefore: round(load0), loadAvg1mAfter: round(loadavg()[0]) },
    runs,
    variants: Object.fromEntries(Object.entries(variants).map(([name, v]) => [name, {
      extensionJsBytes: v.bytes, chunks: v.chunks,
      loadMs: stats(samples[name].map((s) => s.loadMs)),
      activateMs: stats(samples[name].map((s) => s.activateMs)),
      totalMs: stats(samples[name].map((s) => s.totalMs)),
    }])),
  };
  const text = render(result);
  process.stdout.write(`${text}\n`);
  if (opt.json) {
    mkdirSync(dirname(opt.json), { recursive: true });
    writeFileSync(opt.json, `${JSON.stringify(result, null, 2)}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Production builds of the extension: as shipped (with its chunks), and as one file. */
async function buildVariants(base) {
  const main = builds.find((b) => b.outfile === 'dist/extension.js');
  const chunks = builds.find((b) => b.outdir === 'dist');
  const prod = { minify: true, sourcemap: false, logLevel: 'silent', absWorkingDir: ROOT };
  const out = {};
  for (const name of ['split', 'single']) {
    const d = join(base, name);
    mkdirSync(d, { recursive: true });
    const plugins = name === 'split' ? main.plugins : main.plugins.filter((p) => p.name !== 'lazy-chunks');
    await esbuild.build({ ...main, ...prod, plugins, outfile: join(d, 'extension.js') });
    if (name === 'split') await esbuild.build({ ...chunks, ...prod, outdir: d });
    const files = readdirSync(d).filter((f) => f.endsWith('.js') && f !== 'extension.js');
    out[name] = {
      dir: d, file: join(d, 'extension.js'), bytes: statSync(join(d, 'extension.js')).size,
      chunks: Object.fromEntries(files.map((f) => [f, statSync(join(d, f)).size])),
    };
  }
  return out;
}

function stats(xs) {
  const v = [...xs].sort((a, b) => a - b);
  const at = (p) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))];
  return { median: round(at(0.5)), p90: round(at(0.9)), min: round(v[0]) };
}

function round(x) {
  return Math.round(x * 10) / 10;
}

function render(r) {
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
  const lines = [
    `Activation (new user, no backends), ${r.runs} fresh processes per build, interleaved; ${r.machine.cpu}, ${r.machine.cores} cores, node ${r.machine.node}; load average ${r.machine.loadAvg1mBefore} -> ${r.machine.loadAvg1mAfter}`,
    'build    dist/extension.js   load ms (median, p90)   activate() ms   total ms (median, p90)',
  ];
  for (const [name, v] of Object.entries(r.variants)) {
    lines.push(`${name.padEnd(8)} ${kb(v.extensionJsBytes).padStart(17)}   ${`${v.loadMs.median}, ${v.loadMs.p90}`.padStart(21)}   ${String(v.activateMs.median).padStart(13)}   ${`${v.totalMs.median}, ${v.totalMs.p90}`.padStart(22)}`);
  }
  const c = r.variants.split.chunks;
  lines.push(`chunks of the split build, loaded on first use: ${Object.entries(c).map(([f, b]) => `${f} ${kb(b)}`).join(', ')}`);
  return lines.join('\n');
}
