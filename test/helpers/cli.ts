/** `node dist/cli.js` as a child process, output captured; `stopCliChildren` in afterEach kills what is left. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sleep } from './net';

export const CLI = join(__dirname, '../../dist/cli.js');
const children: ChildProcess[] = [];

/** Tracks a child started elsewhere, so stopCliChildren kills it too. */
export function trackChild(child: ChildProcess): void {
  children.push(child);
}

export function stopCliChildren(): void {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return {
    child, exited,
    out: () => out,
    err: () => err,
    async waitFor(re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
      for (let t = 0; t < ms; t += 25) {
        const m = re.exec(out);
        if (m) return m;
        if (child.exitCode !== null) break;
        await sleep(25);
      }
      throw new Error(`no ${re} in stdout:\n${out}\nstderr:\n${err}`);
    },
  };
}
