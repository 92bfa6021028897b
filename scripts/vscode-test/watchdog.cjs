// Preloaded (node --require) into code-server's main process by
// code-server.mjs. If the launcher or UI driver that started code-server dies
// without cleaning up (SIGKILL, crash), this kills code-server's whole process
// group (extension host, pty host, watcher), so no test server is left behind.
// Forked children inherit --require but are not direct children of that
// parent, so the check below keeps them out of it.
'use strict';
const parent = Number(process.env.AOAI_POOL_TEST_PARENT_PID);
if (parent && process.ppid === parent) {
  delete process.env.AOAI_POOL_TEST_PARENT_PID;
  setInterval(() => {
    if (process.ppid === parent) return;
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1);
    }
  }, 1000).unref();
}
