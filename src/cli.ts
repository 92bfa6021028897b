/** `aoai-pool`: the pool engine without VS Code, for headless use, CI and benchmarks. */
import { runServe } from './cli/serve';
import { runCheck } from './cli/check';
import { runSimulate } from './cli/simulate';
import { runGenerate } from './cli/generate';
import { runDiscover } from './cli/discover';

const HELP = `Usage: aoai-pool <command> [options]

One local endpoint in front of several Azure OpenAI deployments.

Commands:
  serve      run the pool (no config: a demo on simulated backends)
  simulate   run simulated Azure OpenAI backends with fault injection (--arm: and Resource Manager)
  check      validate a config file
  discover   find your Azure OpenAI deployments and write a pool config for them
  generate   generate Azure API Management Bicep and policy (generate apim --help)

Run "aoai-pool <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'simulate':
      await runSimulate(rest);
      return 0;
    case 'check':
      return runCheck(rest);
    case 'generate':
      return runGenerate(rest);
    case 'discover':
      return runDiscover(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(HELP);
      return command === undefined ? 1 : 0;
    case '--version':
    case '-V':
      console.log(process.env.AOAI_POOL_VERSION ?? '0.1.0');
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // parseArgs errors (unknown option, missing value) are the user's: no stack.
    const err = e as { code?: string; message?: string };
    console.error(err?.code?.startsWith('ERR_PARSE_ARGS') ? `${err.message}\nRun with --help for usage.` : String((e as Error)?.stack ?? e));
    process.exitCode = 2;
  },
);
