/** `aoai-pool check --config FILE`: validation only, every problem at once. */
import { parseArgs } from 'node:util';
import { formatIssue, loadConfigFile } from '../core/config';

export const CHECK_HELP = `Usage: aoai-pool check --config FILE

Validates a config file and prints every problem with its JSON path and a fix.
Exit code 0 when valid, 1 when not.

Options:
  -c, --config FILE   the config file (default: ./aoai-pool.json)
  -h, --help          show this help`;

export async function runCheck(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    console.log(CHECK_HELP);
    return 0;
  }
  const file = values.config ?? 'aoai-pool.json';
  const result = await loadConfigFile(file);
  for (const w of result.warnings) console.error(`warning: ${formatIssue(w)}`);
  if (!result.ok) {
    console.error(`${file}: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}`);
    for (const e of result.errors) console.error(`  ${formatIssue(e)}`);
    return 1;
  }
  const c = result.config;
  console.log(`${file}: ok (${c.backends.length} backend${c.backends.length === 1 ? '' : 's'}, port ${c.port})`);
  return 0;
}
