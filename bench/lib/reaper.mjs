/**
 * Last line of defence against strays: the bench registers every process it
 * starts here ("add PID" / "del PID" on stdin). When the bench's end of the
 * pipe closes, however the bench ended (even SIGKILL), everything still
 * registered gets SIGTERM, then SIGKILL a second later, and the registered
 * temp dirs are removed.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';

const pids = new Set();
const dirs = new Set();
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [op, raw] = line.trim().split(/\s+/);
  // Only the bench's own temp dirs, whatever we are told.
  if (op === 'dir' && dirname(raw) === tmpdir() && basename(raw).startsWith('aoai-pool-bench-')) dirs.add(raw);
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 1) return;
  if (op === 'add') pids.add(pid);
  else if (op === 'del') pids.delete(pid);
});

function signal(sig) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      pids.delete(pid); // already gone
    }
  }
}

function reap() {
  signal('SIGTERM');
  const finish = () => {
    signal('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    process.exit(0);
  };
  if (pids.size === 0) finish();
  else setTimeout(finish, 1000);
}

rl.on('close', reap);
// A terminal's Ctrl+C reaches the whole process group: wait for the pipe to close instead.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => undefined);
