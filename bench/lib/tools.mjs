/**
 * What the bench needs from the machine: wrk and nginx (installed with apt
 * when we are root and may), taskset for pinning, and a description of the
 * machine for the report.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function version(cmd, args, re) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  const m = re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? m[1] : undefined;
}

/**
 * Finds wrk and nginx; when one is missing and `install` is set, installs it
 * with apt-get (root only). Never lets the package start the system nginx
 * service: a temporary policy-rc.d refuses service starts during the install.
 * @returns {{ wrk?: string, nginx?: string, taskset?: string, notes: string[] }}
 */
export function ensureTools(install, log) {
  const notes = [];
  let wrk = which('wrk');
  let nginx = which('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
  const missing = [!wrk && 'wrk', !nginx && 'nginx-light'].filter(Boolean);
  if (missing.length > 0) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!install) notes.push(`${missing.join(' and ')} missing; --no-install given, not installing`);
    else if (!isRoot) notes.push(`${missing.join(' and ')} missing and not root: install them (apt-get install wrk nginx-light) to measure them`);
    else if (!which('apt-get')) notes.push(`${missing.join(' and ')} missing and no apt-get here: install them by hand to measure them`);
    else {
      log(`installing ${missing.join(', ')} with apt-get (quietly)...`);
      aptInstall(missing, notes);
      wrk = which('wrk');
      nginx = which('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
    }
  }
  if (!wrk) notes.push('wrk not available: the throughput/latency section is skipped');
  if (!nginx) notes.push('nginx not available: the nginx baseline is skipped');
  const taskset = which('taskset');
  if (!taskset) notes.push('taskset not available: processes are not pinned to cores, results are noisier');
  return { wrk, nginx, taskset, notes };
}

function aptInstall(missing, notes) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  try {
    // Exit 101 = "action forbidden": the package must not start a system-wide nginx on port 80.
    if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    const run = (args) => spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 240_000 });
    const upd = run(['-qq', 'update']);
    if (upd.status !== 0) notes.push(`apt-get update failed: ${(upd.stderr || '').trim().split('\n').pop()}`);
    for (const pkg of missing) {
      // Newer Debian/Ubuntu releases dropped nginx-light; plain nginx is the same server.
      const names = pkg === 'nginx-light' ? ['nginx-light', 'nginx'] : [pkg];
      let ok = false;
      for (const name of names) {
        const r = run(['-y', '-qq', '--no-install-recommends', 'install', name]);
        if (r.status === 0) {
          ok = true;
          notes.push(`installed ${name} with apt-get`);
          break;
        }
      }
      if (!ok) notes.push(`could not install ${pkg} with apt-get`);
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

/** The CPUs we may run on (Cpus_allowed_list), e.g. [0, 1]. */
export function allowedCpus() {
  try {
    const m = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!m) throw new Error('no list');
    const out = [];
    for (const part of m[1].trim().split(',')) {
      const [a, b] = part.split('-').map(Number);
      for (let i = a; i <= (b ?? a); i++) out.push(i);
    }
    return out;
  } catch {
    return os.cpus().map((_, i) => i);
  }
}

/** Pins this process (all its threads) to `cpu`, so the helpers we start inherit it. */
export function pinSelf(cpu) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function machineInfo(tools) {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  const kernel = os.release();
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    cpuModel,
    cores: os.cpus().length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${kernel}`,
    node: process.version,
    nginx: tools.nginx ? version(tools.nginx, ['-v'], /nginx\/(\S+)/) : undefined,
    wrk: tools.wrk ? version(tools.wrk, ['-v'], /wrk\s+(\S+)/) : undefined,
  };
}
