import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { faultsFor, runSimulate } from '../../src/cli/simulate';
import { listTenants } from '../../src/core/discovery/arm';
import { testArmCredential } from '../../src/core/simulator/arm';

let stop: AbortController | undefined;
let running: Promise<void> | undefined;

afterEach(async () => {
  stop?.abort();
  await running;
  stop = undefined;
  running = undefined;
});

/** Starts `simulate` and resolves with its stdout lines once every backend is printed. */
async function start(argv: string[], count: number): Promise<{ lines: string[]; err: string[] }> {
  const lines: string[] = [];
  const err: string[] = [];
  stop = new AbortController();
  running = runSimulate(argv, { signal: stop.signal, out: (l) => lines.push(l), err: (l) => err.push(l) });
  for (let i = 0; i < 200 && lines.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  return { lines, err };
}

describe('aoai-pool simulate', () => {
  it('prints "<name> <url> <key>" per backend, serves, and stops on abort', async () => {
    const { lines, err } = await start(['--count', '2', '--rate-429', '1,0', '--api-key', 'k1'], 2);
    expect(lines).toHaveLength(2);
    const [name, url, key] = lines[0]!.split(' ');
    expect(name).toBe('sim-1');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(key).toBe('k1');
    expect(err.join('\n')).toContain('AOAI_POOL_KEY_SIM_1=k1');
    const statuses = await Promise.all(lines.map(async (line) => {
      const [, u] = line.split(' ');
      const res = await fetch(`${u}/openai/v1/models`, { headers: { 'api-key': 'k1' } });
      return res.status;
    }));
    expect(statuses).toEqual([429, 200]);
    stop!.abort();
    await running;
    await expect(fetch(`${url}/_sim/stats`)).rejects.toThrow();
  });

  it('--compress makes the backends answer gzip when the client accepts it, identity when it does not', async () => {
    const { lines } = await start(['--count', '1', '--compress', 'gzip', '--api-key', 'k'], 1);
    const url = lines[0]!.split(' ')[1]!;
    const encodingOf = (accept: string): Promise<string | undefined> => new Promise((resolve, reject) => {
      get(`${url}/openai/v1/models`, { headers: { 'api-key': 'k', 'accept-encoding': accept } }, (res) => {
        res.resume();
        resolve(res.headers['content-encoding']);
      }).on('error', reject);
    });
    expect(await encodingOf('gzip, deflate')).toBe('gzip');
    expect(await encodingOf('br')).toBeUndefined();
    await expect(runSimulate(['--compress', 'zip'])).rejects.toThrow(/--compress must be "all" or a comma list/);
  });

  it('prints help and returns', async () => {
    const out: string[] = [];
    await runSimulate(['--help'], { out: (l) => out.push(l) });
    expect(out.join('\n')).toMatch(/^Usage: aoai-pool simulate/);
  });

  it('rejects bad arguments with a pointer to --help', async () => {
    await expect(runSimulate(['--bogus'])).rejects.toThrow(/see --help/);
    await expect(runSimulate(['--count', '0'])).rejects.toThrow(/--count/);
    await expect(runSimulate(['--rate-429', 'lots'])).rejects.toThrow(/--rate-429/);
    await expect(runSimulate(['--faults', '{"rate429": 3}'])).rejects.toThrow(/backend 1: invalid faults/);
  });

  it('merges --faults JSON (object or per-backend array) with flags', () => {
    const values = { faults: '[{"rate429":0.5},{"hangRate":1}]', 'latency-ms': ['10'], 'retry-header': ['none'] };
    expect(faultsFor(values, 3)).toEqual([
      { rate429: 0.5, latencyMs: 10, retryHeader: 'none' },
      { hangRate: 1, latencyMs: 10, retryHeader: 'none' },
      { latencyMs: 10, retryHeader: 'none' },
    ]);
    expect(faultsFor({ faults: '{"rate5xx":1}', 'rate-5xx': ['0', '0.2'] }, 2)).toEqual([{ rate5xx: 0 }, { rate5xx: 0.2 }]);
  });

  it('--arm prints the Resource Manager URL, the CA file and each account\'s data plane; the CA is removed on stop', async () => {
    const { lines, err } = await start(['--arm'], 8);
    const arm = lines.find((l) => l.startsWith('arm '))!.slice(4);
    const caFile = lines.find((l) => l.startsWith('ca '))!.slice(3);
    expect(arm).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(lines).toContainEqual(expect.stringMatching(/^contoso-swedencentral http:\/\/127\.0\.0\.1:\d+ [0-9a-f]{32}$/));
    expect(err.join('\n')).toMatch(/NODE_EXTRA_CA_CERTS=.* aoai-pool discover --arm-endpoint https:/);
    const tenants = await listTenants({ endpoint: arm, ca: readFileSync(caFile, 'utf8'), credentialFor: (t) => testArmCredential(t) });
    expect(tenants.map((t) => t.displayName)).toEqual(['Contoso', 'Fabrikam']);
    stop!.abort();
    await running;
    expect(existsSync(caFile)).toBe(false);
  });
});
