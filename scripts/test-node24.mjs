#!/usr/bin/env node
// Runs the proxy's socket-level tests again on Node 24: inside VS Code the
// proxy runs in the extension host, on the Node the editor ships (22 or 24),
// and Node's HTTP layer changes between majors (a corked response's chunked
// framing did, and cut streams after the first event). The Node 24 used here
// is the one the offline test host installs into .vscode-test/. The request
// timelines (test/unit/metrics) read what the relay saw, so they run too.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nodePackage, repoRoot } from './vscode-test/config.mjs';

const node = nodePackage(24);
if (!fs.existsSync(node.bin)) {
  const setup = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'vscode-test', 'setup.mjs'), 'stable'], { stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}
const vitest = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
const files = process.argv.slice(2);
const run = spawnSync(node.bin, [vitest, 'run', ...(files.length ? files : ['test/unit/proxy', 'test/unit/metrics', 'test/adversarial'])], { stdio: 'inherit', cwd: repoRoot });
process.exit(run.status ?? 1);
