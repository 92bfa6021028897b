/** CLI logging: stderr, one line each, timestamped. stdout is kept for what scripts parse. */
import type { Logger } from '../core/log';

export function stderrLogger(verbose: boolean): Logger {
  const line = (level: string, m: string) => process.stderr.write(`${new Date().toISOString()} ${level} ${m}\n`);
  return {
    debug: (m) => verbose && line('debug', m),
    info: (m) => line('info ', m),
    warn: (m) => line('warn ', m),
    error: (m) => line('error', m),
  };
}
