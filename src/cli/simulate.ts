import { parseArgs } from 'node:util';
import { defaultApiKeyEnv } from '../core/config/defaults';
import { parseFaults, startSimulatedBackends, type Faults, type SimBackendOptions } from '../core/simulator';
import { ARM_USAGE, runArmSimulator } from './simulateArm';

/** `aoai-pool simulate`: simulated Azure OpenAI backends for demos and manual tests. */

const USAGE = () => `Usage: aoai-pool simulate [options]

Starts simulated Azure OpenAI backends on 127.0.0.1 and prints one line per
backend: "<name> <url> <api-key>". Runs until Ctrl+C (SIGINT) or SIGTERM.

Options:
  --count N                 backends to start (default 3)
  --port-base N             backend i listens on N+i; 0 = free ports (default 0)
  --name-prefix P           backend names are P1, P2, ... (default "sim-")
  --api-key K               one key for every backend (default: random per backend)
  --deployments a,b         only these deployment names exist (default: any name)
  --tpm N                   tokens-per-minute of each deployment (default 120000); a comma
                            list gives one per backend, e.g. --tpm 30000,60000,90000
  --rpm N                   requests-per-minute (default 6 per 1000 TPM); comma list as --tpm
  --enforce-limits          refuse with 429 what does not fit the quota, as Azure does
                            (1 s request and 10 s token periods, true retry-after-ms)
  --time-scale X            a simulated minute lasts 60/X seconds (default 1)
  --compress E              compress answers when the request's Accept-Encoding allows, as a
                            real server does: "all" (gzip, br, deflate) or a list, e.g. gzip,br
  --faults JSON             faults for all backends, or a JSON array with one object per backend
Fault flags (one value for all backends, or comma-separated / repeated values, one per backend):
  --latency-ms N            delay before the response headers
  --rate-429 R              share 0..1 answered 429
  --retry-after-ms N        wait advertised by 429s (default 2000)
  --retry-header H          retry-after | retry-after-ms | x-ms-retry-after-ms |
                            x-ratelimit-reset-requests | x-ratelimit-reset-tokens | all | none
  --rate-5xx R              share answered --status-5xx (default 500)
  --status-5xx N
  --hang-rate R             share never answered
  --reset-rate R            share whose socket is reset before headers
  --mid-stream-reset-rate R share of streams cut half-way
  --chunk-delay-ms N        delay between SSE chunks (default 5)
  --chunks N                content chunks per reply (default 8)
  -h, --help                show this help
${ARM_USAGE}

Change faults at runtime: curl -X POST <url>/_sim/faults -d '{"rate429":0.5}'
`;

/** Fault flag -> Faults key. Numbers except retry-header. */
const FAULT_FLAGS = {
  'latency-ms': 'latencyMs',
  'rate-429': 'rate429',
  'retry-after-ms': 'retryAfterMs',
  'retry-header': 'retryHeader',
  'rate-5xx': 'rate5xx',
  'status-5xx': 'status5xx',
  'hang-rate': 'hangRate',
  'reset-rate': 'resetBeforeHeadersRate',
  'mid-stream-reset-rate': 'midStreamResetRate',
  'chunk-delay-ms': 'chunkDelayMs',
  chunks: 'chunks',
} as const satisfies Record<string, keyof Faults>;

const OPTIONS = {
  count: { type: 'string', default: '3' },
  'port-base': { type: 'string', default: '0' },
  'name-prefix': { type: 'string', default: 'sim-' },
  'api-key': { type: 'string' },
  deployments: { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  'enforce-limits': { type: 'boolean', default: false },
  'time-scale': { type: 'string' },
  compress: { type: 'string' },
  arm: { type: 'boolean', default: false },
  faults: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  ...Object.fromEntries(Object.keys(FAULT_FLAGS).map((k) => [k, { type: 'string', multiple: true }])),
} as const;

/** Lets tests (and the extension) stop the run and capture output instead of using signals and stdio. */
export interface SimulateIo {
  signal?: AbortSignal;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`simulate: --${flag} must be an integer ${min}..${max}, got "${value}"`);
  return n;
}

/** One value for every backend, or a comma list with one per backend. */
function perBackend(flag: string, value: unknown, index: number, max: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  const list = value.split(',').map((v) => v.trim());
  const raw = list.length === 1 ? list[0]! : list[index];
  return raw === undefined || raw === '' ? undefined : integer(flag, raw, 1, max);
}

function timeScale(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1e6) throw new Error(`simulate: --time-scale must be a number > 0, got "${value}"`);
  return n;
}

const ENCODINGS = ['gzip', 'deflate', 'br'] as const;
type Encoding = (typeof ENCODINGS)[number];

function compression(value: unknown): SimBackendOptions['compress'] {
  if (typeof value !== 'string') return undefined;
  if (value.trim() === 'all') return true;
  const list = value.split(',').map((v) => v.trim()).filter(Boolean);
  const bad = list.find((v) => !(ENCODINGS as readonly string[]).includes(v));
  if (bad !== undefined || list.length === 0) {
    throw new Error(`simulate: --compress must be "all" or a comma list of ${ENCODINGS.join(', ')}, got "${value}"`);
  }
  return list as Encoding[];
}

/** `--faults` JSON, then the fault flags on top, per backend index. */
export function faultsFor(values: Record<string, unknown>, count: number): Faults[] {
  let base: Faults[] = Array.from({ length: count }, () => ({}));
  if (typeof values.faults === 'string') {
    let json: unknown;
    try {
      json = JSON.parse(values.faults);
    } catch {
      throw new Error('simulate: --faults is not valid JSON');
    }
    base = base.map((_, i) => (Array.isArray(json) ? (json[i] ?? {}) : json) as Faults);
  }
  for (const [flag, key] of Object.entries(FAULT_FLAGS)) {
    const given = values[flag];
    if (!Array.isArray(given)) continue;
    const list = (given as string[]).flatMap((v) => v.split(',')).map((v) => v.trim());
    base = base.map((f, i) => {
      const raw = list.length === 1 ? list[0] : list[i];
      if (raw === undefined || raw === '') return f;
      const value = key === 'retryHeader' ? raw : Number(raw);
      if (typeof value === 'number' && Number.isNaN(value)) throw new Error(`simulate: --${flag} must be a number, got "${raw}"`);
      return { ...f, [key]: value };
    });
  }
  return base.map((f, i) => {
    try {
      return parseFaults(f);
    } catch (e) {
      throw new Error(`simulate: backend ${i + 1}: ${(e as Error).message}`);
    }
  });
}

export async function runSimulate(argv: string[], io: SimulateIo = {}): Promise<void> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new Error(`simulate: ${(e as Error).message} (see --help)`);
  }
  if (values.help) {
    out(USAGE().trimEnd());
    return;
  }
  if (values.arm) return runArmSimulator(out, err, () => untilStopped(io));
  const count = integer('count', values.count as string, 1, 100);
  const portBase = integer('port-base', values['port-base'] as string, 0, 65535 - count + 1);
  const faults = faultsFor(values, count);
  const deployments = typeof values.deployments === 'string' ? values.deployments.split(',').map((d) => d.trim()).filter(Boolean) : undefined;
  const opts: SimBackendOptions[] = faults.map((f, i) => ({
    name: `${values['name-prefix'] as string}${i + 1}`,
    apiKey: values['api-key'] as string | undefined,
    port: portBase === 0 ? 0 : portBase + i,
    deployments,
    faults: f,
    requestsPerMinute: perBackend('rpm', values.rpm, i, 1e9),
    tokensPerMinute: perBackend('tpm', values.tpm, i, 1e12),
    enforceLimits: values['enforce-limits'] === true,
    timeScale: timeScale(values['time-scale']),
    compress: compression(values.compress),
  }));

  const backends = await startSimulatedBackends(opts);
  for (const b of backends) out(`${b.name} ${b.url} ${b.apiKey}`);
  err(`${backends.length} simulated backend(s) running; Ctrl+C to stop. For a pool config, set:`);
  for (const b of backends) err(`  ${defaultApiKeyEnv(b.name)}=${b.apiKey}`);

  await untilStopped(io);
  await Promise.all(backends.map((b) => b.close()));
  err('simulated backends stopped');
}

/** Resolves on Ctrl+C, SIGTERM or the caller's abort signal. */
function untilStopped(io: SimulateIo): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
    if (io.signal?.aborted) stop();
  });
}
