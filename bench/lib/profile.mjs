/**
 * Summarises a V8 .cpuprofile: self time per function (mapped back through
 * dist/cli.js.map to src/ or node_modules/), and per area (our code, undici,
 * node:http and friends, GC, idle).
 */
import { readFileSync, existsSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename } from 'node:path';

function loadMap(bundle) {
  const mapFile = `${bundle}.map`;
  if (!existsSync(mapFile)) return undefined;
  try {
    return new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Natives that do a socket write: their self time is mostly the send syscall (loopback TCP). */
const SOCKET_WRITES = new Set(['writeUtf8String', 'writev', 'writeBuffer', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);

function area(source, fn) {
  if (SOCKET_WRITES.has(fn) && source === '') return 'socket writes (syscalls)';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'V8/native (program)';
  if (source.includes('node_modules/undici/') || source.startsWith('wasm://')) return 'undici (incl. llhttp wasm)';
  if (source.startsWith('src/')) return 'aoai-pool src/';
  if (/^node:(_http|internal\/http)/.test(source)) return 'node http';
  if (/^node:(internal\/streams|stream|net|internal\/stream_base)/.test(source)) return 'node streams/net';
  if (/^node:(events|internal\/event_target|internal\/abort_controller)/.test(source)) return 'node events/AbortController';
  if (source.startsWith('node:internal/crypto')) return 'node crypto';
  if (/^node:(timers|internal\/timers|internal\/process\/task_queues)/.test(source)) return 'node timers/ticks';
  if (source.startsWith('node:')) return 'node other';
  if (source === '') return 'native/builtin';
  return 'other';
}

/**
 * @param {string} file the .cpuprofile
 * @param {string} bundle path of dist/cli.js (for its source map)
 */
export function summariseProfile(file, bundle, top = 25) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const map = loadMap(bundle);
  const bundleUrl = `file://${bundle}`;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** Function name and original location of a profile node (memoised). */
  function locate(n) {
    let w = where.get(n.id);
    if (w) return w;
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    let source = cf.url;
    let line = cf.lineNumber + 1;
    if (map && (cf.url === bundleUrl || cf.url === bundle) && cf.lineNumber >= 0) {
      const e = map.findEntry(cf.lineNumber, cf.columnNumber);
      if (e && e.originalSource) {
        source = e.originalSource.replace(/^.*?(node_modules\/|src\/)/, '$1');
        line = e.originalLine + 1;
      }
    } else if (source.startsWith('file://')) {
      source = basename(source);
    }
    w = { name, source, line, key: `${name} ${source}:${line}` };
    where.set(n.id, w);
    return w;
  }
  const selfUs = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const fns = new Map();
  const areas = new Map();
  const where = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const { name, source, line } = locate(n);
    total += us;
    if (name === '(idle)') idle += us;
    const key = `${name} ${source}:${line}`;
    const f = fns.get(key) ?? { name, where: source ? `${source}:${line}` : '(native)', us: 0 };
    f.us += us;
    fns.set(key, f);
    const a = area(source, name);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  // Inclusive (self + callees) time of our own functions, counted once per sample.
  const incl = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const seenKeys = new Set();
    for (let id = prof.samples[i]; id !== undefined; id = parent.get(id)) {
      const w = locate(byId.get(id));
      if (!w.source.startsWith('src/') || seenKeys.has(w.key)) continue;
      seenKeys.add(w.key);
      const f = incl.get(w.key) ?? { name: w.name, where: `${w.source}:${w.line}`, us: 0 };
      f.us += prof.timeDeltas[i] ?? 0;
      incl.set(w.key, f);
    }
  }
  const busy = total - idle;
  const pct = (us) => Math.round((us / busy) * 1000) / 10;
  return {
    file,
    sampledMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    idlePct: Math.round((idle / total) * 1000) / 10,
    areas: [...areas.entries()].filter(([a]) => a !== 'idle').sort((a, b) => b[1] - a[1]).map(([a, us]) => ({ area: a, ms: Math.round(us / 1000), pct: pct(us) })),
    top: [...fns.values()].filter((f) => f.name !== '(idle)').sort((a, b) => b.us - a.us).slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: Math.round(f.us / 1000), pct: pct(f.us) })),
    /** Synchronous part only: time after an `await` is charged to whoever resumes it. */
    ourInclusive: [...incl.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: Math.round(f.us / 1000), pct: pct(f.us) })),
  };
}
