/**
 * Process plumbing for the bench: start children (pinned with taskset when we
 * can), make sure each one stops (SIGTERM, then SIGKILL; a reaper process
 * covers the case where the bench itself dies), and read their CPU time and
 * peak memory from /proc.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const REAPER = fileURLToPath(new URL('./reaper.mjs', import.meta.url));

export class Procs {
  /** @param {{ taskset: boolean }} opts */
  constructor(opts) {
    this.taskset = opts.taskset;
    /** @type {Set<import('node:child_process').ChildProcess>} */
    this.children = new Set();
    this.reaper = spawn(process.execPath, [REAPER], { stdio: ['pipe', 'ignore', 'inherit'] });
    this.reaper.stdin.on('error', () => undefined);
    this.reaper.unref();
  }

  /**
   * Starts `cmd args`, on `cpu` when given. stdout/stderr are piped unless
   * `stdio` says otherwise; the exit promise is `child.exited`.
   * @param {string} cmd @param {string[]} args
   * @param {{ cpu?: number, env?: NodeJS.ProcessEnv, cwd?: string, stdio?: import('node:child_process').StdioOptions }} [o]
   */
  start(cmd, args, o = {}) {
    const pinned = this.taskset && o.cpu !== undefined;
    const child = spawn(pinned ? 'taskset' : cmd, pinned ? ['-c', String(o.cpu), cmd, ...args] : args, {
      env: o.env ?? process.env,
      cwd: o.cwd,
      stdio: o.stdio ?? ['pipe', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.exited = new Promise((resolve) => {
      child.once('exit', (code, sig) => resolve({ code, signal: sig }));
      child.once('error', (err) => resolve({ code: -1, signal: null, error: err }));
    });
    child.exited.then(() => {
      this.children.delete(child);
      if (child.pid) this.tell(`del ${child.pid}`);
    });
    if (child.pid) this.tell(`add ${child.pid}`);
    return child;
  }

  tell(line) {
    if (this.reaper.stdin.writable) this.reaper.stdin.write(`${line}\n`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  async stop(child, graceMs = 3000) {
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exited;
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    const r = await child.exited;
    clearTimeout(timer);
    return r;
  }

  async stopAll() {
    await Promise.all([...this.children].map((c) => this.stop(c)));
    this.reaper.stdin.end();
  }

  /** Synchronous last resort (process 'exit' handler). */
  killAllNow() {
    for (const c of this.children) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Resolves with the first stdout line matching `re` (its match), rejects on exit or timeout. */
export function waitForLine(child, re, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const onData = (d) => {
      buf += d;
      const m = re.exec(buf);
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const onErr = (d) => {
      err = (err + d).slice(-4000);
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`${what} exited before it was ready${err ? `:\n${err}` : ''}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} not ready after ${timeoutMs} ms${err ? `:\n${err}` : ''}`));
    }, timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

/** Keeps reading a child's stream so a full pipe never blocks it; keeps the tail for error messages. */
export function drain(stream, keep = 8000) {
  const tail = { text: '' };
  stream?.setEncoding('utf8');
  stream?.on('data', (d) => {
    tail.text = (tail.text + d).slice(-keep);
  });
  return tail;
}

/** A free loopback port (bind 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let clkTck;
function ticksPerSecond() {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** The pid and its direct children (nginx master + workers). */
export function processTree(pid) {
  const out = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (kids) for (const k of kids.split(/\s+/)) out.push(Number(k));
    }
  } catch {
    // no /proc children file: fall back to scanning
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (statFields(Number(d))[1] === String(pid)) out.push(Number(d));
      } catch {
        // raced with an exit
      }
    }
  }
  return out;
}

/** /proc/PID/stat fields after the command name: [state, ppid, …]; utime is [11], stime [12]. */
function statFields(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU of the pids (all their threads), in microseconds. */
export function cpuMicros(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = statFields(pid);
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return (ticks * 1e6) / ticksPerSecond();
}

/** Sum of VmHWM (peak resident set) of the pids, in bytes. */
export function peakRss(pids) {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // gone
    }
  }
  return kb * 1024;
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port, timeoutMs) {
  const { connect } = await import('node:net');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * CPU time the whole machine spent in user+nice+system, and in steal (the
 * hypervisor gave our vCPUs to someone else), in µs. irq/softirq are left
 * out: loopback traffic is processed there and would count as "other" load.
 */
export function machineCpuMicros() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const hz = ticksPerSecond();
  return { busy: ((f[0] + f[1] + f[2]) * 1e6) / hz, steal: ((f[7] ?? 0) * 1e6) / hz };
}

/** This process plus its reaped children (wrk runs, clients), µs. */
export function selfAndReapedMicros() {
  const f = statFields(process.pid);
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1e6) / ticksPerSecond();
}
