// Mocha entry for the extension host (`--extensionTestsPath`). esbuild bundles
// it, with every *.integration.test.ts next to it, into
// out/test/integration/index.js (CommonJS; vscode and mocha stay external).
// Mocha 11, not 12: 12 is ESM-only and the extension host loads this with require().
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { testLog } from './log';

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    // The output goes through the extension host's console to the launcher's
    // stdout: no colours, no cursor tricks.
    color: false,
    reporter: 'spec',
    timeout: 20_000,
    // AOAI_POOL_TEST_GREP=<text>: run only the tests whose title contains it.
    ...(process.env.AOAI_POOL_TEST_GREP ? { grep: process.env.AOAI_POOL_TEST_GREP } : {}),
  });
  // What mocha.loadFiles does before each require(): binds suite/test to the
  // tdd interface, which the suites import from 'mocha'.
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  for (const name of suiteFiles()) {
    try {
      // esbuild turns this template into a map of every matching file in this folder.
      await import(`./${name}.integration.test.ts`);
    } catch (err) {
      if (err instanceof Error && err.stack) err.stack = mapStack(err.stack);
      throw err;
    }
  }
  // The reporters call Base.consoleLog, captured from console.log at load time.
  Mocha.reporters.Base.consoleLog = testLog;
  const { env, UIKind, version } = vscode;
  testLog(`VS Code ${version}, uiKind ${UIKind[env.uiKind]}, remote ${env.remoteName ?? 'none'}`);
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    // Before the reporter prints it (in its epilogue).
    runner.on('fail', (_test, err?: { stack?: string }) => {
      if (typeof err?.stack === 'string') err.stack = mapStack(err.stack);
    });
  });
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}

/**
 * Points stack frames in this bundle at the .ts sources. The extension host
 * drops NODE_OPTIONS, so --enable-source-maps is not an option, and
 * process.setSourceMapsEnabled() only covers files loaded after the call.
 */
function mapStack(stack: string): string {
  let map: SourceMap;
  try {
    map = new SourceMap(JSON.parse(fs.readFileSync(`${__filename}.map`, 'utf8')));
  } catch {
    return stack;
  }
  const file = __filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stack.replace(new RegExp(`${file}:(\\d+):(\\d+)`, 'g'), (frame, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!('originalSource' in entry)) return frame;
    const source = path.resolve(path.dirname(__filename), entry.originalSource);
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** Suite names from the sources (out/test/integration -> test/integration). */
function suiteFiles(): string[] {
  const srcDir = path.resolve(__dirname, '..', '..', '..', 'test', 'integration');
  const names = fs
    .readdirSync(srcDir)
    .filter((f) => f.endsWith('.integration.test.ts'))
    .map((f) => f.slice(0, -'.integration.test.ts'.length))
    .sort();
  if (names.length === 0) throw new Error(`no *.integration.test.ts in ${srcDir}`);
  return names;
}
