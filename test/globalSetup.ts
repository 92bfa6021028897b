/** Builds dist/ once so CLI tests run the same bundle users get. */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['esbuild.js'], { stdio: 'inherit' });
}
