/**
 * "The user stopped the pool on this port by hand", as a file every window of
 * the install can see (the extension's global storage folder is shared by all
 * windows on the machine). Without it, stopping the pool in the window that
 * owns the port would not stop it: the other windows see the owner go and one
 * takes the port over within seconds (README "Several windows"). With it,
 * they stay out until some window starts the pool again, which clears it.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class StopMarks {
  constructor(private readonly dir: string) {}

  /** The file for `port` (tests read it). */
  path(port: number): string {
    return join(this.dir, `stopped-by-user-${port}`);
  }

  async mark(port: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.path(port), `${new Date().toISOString()}\n`);
  }

  async clear(port: number): Promise<void> {
    await rm(this.path(port), { force: true });
  }

  async isMarked(port: number): Promise<boolean> {
    try {
      await stat(this.path(port));
      return true;
    } catch {
      return false;
    }
  }
}
