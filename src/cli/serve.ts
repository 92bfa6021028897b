/**
 * `aoai-pool serve`: runs the pool from a config file, reloading it when the
 * file changes (a bad edit is reported and the last good pool keeps serving).
 * Without a config file it runs the demo: three simulated backends.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, formatIssue, loadConfigFile, validateConfig, type PoolConfig } from '../core/config';
import { CLI_CREDENTIAL_HOSTS_ENV, cliCredentialHosts, envCredentialSource, type CredentialSource } from '../core/auth/credentials';
import { parseHostPattern } from '../core/auth/hosts';
import { identityCredential } from '../core/auth/identity';
import { ProxyServer } from '../core/proxy/server';
import { isPoolError } from '../core/errors';
import { startSimulatedBackends, type SimulatedBackend } from '../core/simulator';
import { simulatedBackendOptions, simulatedRawConfig, simulatorCredentials } from '../core/simulator/demo';
import { clientEnvironment } from '../core/tools/env';
import { maskingLogger, Redactor, type Logger } from '../core/log';
import { stderrLogger } from './log';

export const SERVE_HELP = `Usage: aoai-pool serve [--config FILE] [--port N]

Runs the pool on 127.0.0.1. Without a config file (and no ./aoai-pool.json)
it runs a demo pool of three simulated backends.

Options:
  -c, --config FILE   the config file (default: ./aoai-pool.json); reloaded on change
  -p, --port N        listen on this port instead of the config's (0 = any free port)
      --demo          run the demo pool even if ./aoai-pool.json exists
      --allow-credential-host HOST
                      also send API keys / Entra tokens to HOST (gw.contoso.com,
                      *.contoso.com, optional :port); repeatable. By default only
                      Azure OpenAI / AI Services hosts and loopback get them
  -v, --verbose       debug logging
  -h, --help          show this help

Environment:
  AOAI_POOL_CLIENT_KEY    the key clients must send; never printed (default: a new random
                          key, printed once at start)
  AOAI_POOL_KEY_<NAME>    a backend's API key (or the variable named by its "apiKeyEnv")
  AOAI_POOL_CREDENTIAL_HOSTS  more hosts for --allow-credential-host, comma-separated
                          (deliberately not a config field: a config file may come from anyone)
  Entra backends use DefaultAzureCredential (az login, environment, managed identity).`;

export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      demo: { type: 'boolean' },
      'allow-credential-host': { type: 'string', multiple: true },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    console.error(`--port: must be an integer 0-65535 (got ${JSON.stringify(values.port)})`);
    return 2;
  }
  const fromEnv = process.env.AOAI_POOL_CLIENT_KEY;
  const clientKey = fromEnv || `aoai-pool-${randomBytes(18).toString('base64url')}`;
  // Every line this process logs goes through the proxy's masker, the client key included.
  const redactor = new Redactor();
  redactor.add(clientKey);
  const logger = maskingLogger(stderrLogger(values.verbose ?? false), redactor);
  const file = values.config ?? (!values.demo && existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);

  let config: PoolConfig;
  let credentials: CredentialSource;
  let sims: SimulatedBackend[] = [];
  if (file) {
    const result = await loadConfigFile(file);
    for (const w of result.warnings) logger.warn(formatIssue(w));
    if (!result.ok) {
      console.error(`${file}: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}`);
      for (const e of result.errors) console.error(`  ${formatIssue(e)}`);
      return 1;
    }
    config = result.config;
    const hosts = cliCredentialHosts(process.env, values['allow-credential-host']);
    for (const h of hosts) {
      const p = parseHostPattern(h);
      if ('error' in p) {
        console.error(`--allow-credential-host / ${CLI_CREDENTIAL_HOSTS_ENV}: ${p.error}`);
        return 2;
      }
    }
    credentials = envCredentialSource(process.env, config.backends.some((b) => b.auth === 'entra') ? identityCredential('default') : undefined, hosts);
  } else {
    ({ config, credentials, sims } = await demoPool());
  }
  if (port !== undefined) config = { ...config, port };

  const proxy = new ProxyServer({ config, clientKey, credentials, logger, redactor });
  try {
    await proxy.start();
  } catch (e) {
    console.error(isPoolError(e, 'PortInUse') ? `${e.message} ("port" in the config, or --port)` : isPoolError(e) ? e.message : String(e));
    await Promise.all(sims.map((s) => s.close()));
    return 1;
  }
  // Watch before announcing: a save right after "listening" must not be missed.
  const watcher = file ? watchConfig(file, proxy, port, logger) : undefined;
  console.log(`listening on ${proxy.url}`);
  printUsage(proxy, clientKey, !fromEnv, sims.length > 0);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  watcher?.close();
  logger.info('shutting down');
  await proxy.close();
  await Promise.all(sims.map((s) => s.close()));
  return 0;
}

/** How the printed lines name the client key: the shell variable, so the key itself appears at most once. */
const KEY_REF = '"$AOAI_POOL_CLIENT_KEY"';

/**
 * What to do next, on stdout. A key from AOAI_POOL_CLIENT_KEY is never
 * printed (the terminal may be recorded or shared; issue 9); a generated one
 * is printed once, as the line that exports it. The SDK lines come from
 * `clientEnvironment`, the list the extension's terminals get.
 */
function printUsage(proxy: ProxyServer, clientKey: string, generated: boolean, demo: boolean): void {
  const alias = proxy.config.backends.flatMap((b) => Object.keys(b.deployments ?? {}))[0] ?? 'YOUR-DEPLOYMENT';
  const env = Object.entries(clientEnvironment(proxy.url, KEY_REF)).map(([k, v]) => `  export ${k}=${v}`);
  const lines = [
    demo ? '\nDemo pool: three simulated Azure OpenAI backends (sim-1 and sim-2 at priority 1, sim-3 at priority 2).' : '',
    generated
      ? 'Client key: generated for this run (set AOAI_POOL_CLIENT_KEY before starting to choose your own).'
      : 'Client key: the one in AOAI_POOL_CLIENT_KEY (not shown).',
    'Environment for the SDKs: OpenAI() and AzureOpenAI(), in Python and Node, need nothing else.',
    ...(generated ? [`  export AOAI_POOL_CLIENT_KEY=${clientKey}`] : []),
    ...env,
    '',
    'Try it:',
    `  curl -s '${proxy.url}/openai/deployments/${alias}/chat/completions?api-version=2024-10-21' \\`,
    `    -H "api-key: $AOAI_POOL_CLIENT_KEY" -H "content-type: application/json" \\`,
    `    -d '{"messages":[{"role":"user","content":"Hello"}]}'`,
    '',
    `Health: curl -s ${proxy.url}/_pool/health`,
    `Watch:  curl -s -H "api-key: $AOAI_POOL_CLIENT_KEY" '${proxy.url}/_pool/requests?limit=5'   (and /_pool/metrics, ?format=prometheus)`,
    'Stop with Ctrl+C.',
  ];
  console.log(lines.filter((l, i) => l !== '' || i > 0).join('\n'));
}

async function demoPool(): Promise<{ config: PoolConfig; credentials: CredentialSource; sims: SimulatedBackend[] }> {
  const sims = await startSimulatedBackends(simulatedBackendOptions());
  const result = validateConfig(simulatedRawConfig({ port: 8787, healthProbe: { intervalSec: 15 }, backends: [] }, sims));
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
  return { config: result.config, sims, credentials: simulatorCredentials(sims) };
}

function watchConfig(file: string, proxy: ProxyServer, portOverride: number | undefined, logger: Logger): FSWatcher | undefined {
  let timer: NodeJS.Timeout | undefined;
  const reload = async () => {
    const result = await loadConfigFile(file);
    if (!result.ok) {
      logger.error(`${file} changed but is invalid; the last good pool keeps serving:\n  ${result.errors.map(formatIssue).join('\n  ')}`);
      proxy.emit('reload', { ok: false, errors: result.errors });
      return;
    }
    for (const w of result.warnings) logger.warn(formatIssue(w));
    const next = { ...result.config, port: portOverride ?? result.config.port };
    if (next.port !== proxy.config.port || next.host !== proxy.config.host) {
      logger.warn('port or host changed: restart aoai-pool to apply them; the rest is applied now');
    }
    proxy.reload({ ...next, port: proxy.config.port, host: proxy.config.host });
    logger.info(`reloaded ${file} (${next.backends.length} backends)`);
  };
  // Editors save by writing a temporary file and renaming it over this one:
  // a watch on the file itself would keep watching the old, replaced inode
  // and miss every later save. Watch the directory and pick out our name.
  const dir = dirname(resolve(file));
  const name = basename(file);
  try {
    return watch(dir, (_event, changed) => {
      // Some platforms do not say which file changed: reload to be safe.
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 150);
    });
  } catch {
    logger.warn(`cannot watch ${dir}; restart to apply changes to ${file}`);
    return undefined;
  }
}
