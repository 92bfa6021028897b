/**
 * One wrk run: `conns` connections on one thread for `seconds`, POSTing a
 * body file. Resolves with the numbers wrk's Lua `done()` printed.
 */
import { fileURLToPath } from 'node:url';
import { drain } from './procs.mjs';

const SCRIPT = fileURLToPath(new URL('./post.lua', import.meta.url));

/**
 * @returns {Promise<{ requests: number, durationUs: number, rps: number, errors: Record<string, number>, errorCount: number, latencyUs: { p50: number, p90: number, p99: number, max: number, mean: number } }>}
 */
export async function runWrk(procs, { bin, cpu, url, conns, seconds, bodyFile, clientKey }) {
  const args = ['-t1', `-c${conns}`, `-d${seconds}s`, '--timeout', '5s', '--latency', '-s', SCRIPT, url];
  const child = procs.start(bin, args, {
    cpu,
    env: { ...process.env, BENCH_BODY: bodyFile, BENCH_KEY: clientKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = drain(child.stdout, 64_000);
  const err = drain(child.stderr);
  // wrk stops itself after `seconds`; this is for a wrk that hangs.
  const timer = setTimeout(() => void procs.stop(child, 1000), (seconds + 15) * 1000);
  const { code } = await child.exited;
  clearTimeout(timer);
  const line = /^BENCH_JSON (.+)$/m.exec(out.text);
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err.text || out.text}`);
  const r = JSON.parse(line[1]);
  const errorCount = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return { ...r, rps: r.requests / (r.durationUs / 1e6), errorCount };
}
