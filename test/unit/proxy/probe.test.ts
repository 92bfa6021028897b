/**
 * The health prober on real sockets: one loop per pool whatever reloads
 * happen, nothing probed after stop, and probes that tell the truth.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startBackend, startProxy, sleep } from '../../helpers/net';
import { validateConfig } from '../../../src/core/config/validate';
import type { TokenCredentialLike } from '../../../src/core/auth/token';

afterEach(closeAll);

/** A backend that answers probes after `delayMs`, noting when each arrived. */
async function probedBackend(delayMs: number) {
  const probes: number[] = [];
  const b = await startBackend(async (req, res) => {
    if (req.url!.startsWith('/openai/models')) probes.push(Date.now());
    await sleep(delayMs);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":[]}');
  });
  return { ...b, probes };
}

/** Waits until `cond` holds, polling; fails after `ms` with `what`. */
async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('health prober', () => {
  it('runs one loop: a reload during a probe round does not start a second one', async () => {
    const b = await probedBackend(300);
    const raw = { healthProbe: { intervalSec: 1 }, backends: [{ name: 'b', endpoint: b.url }] };
    const { proxy } = await startProxy(raw);
    // The first round starts at once; reload while its probe is held by the backend.
    await until(() => b.probes.length === 1, 'the first probe');
    const again = validateConfig({ port: 0, ...raw });
    if (!again.ok) throw new Error('config');
    proxy.reload(again.config);
    proxy.reload(again.config);
    await until(() => b.probes.length >= 6, 'six probes', 12_000);
    // After the reload one round comes soon (the new config); after that, one round per
    // interval: each round ends 300 ms after it starts, and the next starts 1 s later.
    const gaps = b.probes.slice(2).map((t, i) => t - b.probes[i + 1]!);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    for (const g of gaps) expect(g, `gaps ${gaps.join(', ')} ms`).toBeGreaterThan(1_000);
  });

  it('probes nothing after stop, even when the round was waiting for a token', async () => {
    const b = await probedBackend(0);
    let release: (() => void) | undefined;
    let calls = 0;
    const cred: TokenCredentialLike = {
      async getToken() {
        calls++;
        // The first token comes at once; the second waits until the test releases it.
        if (calls > 1) await new Promise<void>((r) => (release = r));
        // Usable for 400 ms (CachedToken keeps a 30 s margin): the next round must wait for a new one.
        return { token: `entra-token-${calls}-0000000`, expiresOnTimestamp: Date.now() + 30_400 };
      },
    };
    const { proxy } = await startProxy(
      { healthProbe: { intervalSec: 1 }, backends: [{ name: 'e', endpoint: b.url, auth: 'entra' }] },
      { credentials: { apiKey: () => undefined, tokenCredential: () => cred } },
    );
    await until(() => b.probes.length === 1, 'the first probe'); // probes do reach this backend
    // The next round asks for a token and waits for it; stop the proxy then.
    await until(() => release !== undefined, 'the second round to wait for its token', 5_000);
    const lastProbeAt = proxy.snapshots()[0]!.lastProbeAt;
    await proxy.close();
    release!();
    // Wait for the stopped round to wind down: it must not probe on the closed pool.
    await proxy.probeNow();
    expect(b.probes).toHaveLength(1);
    expect(proxy.snapshots()[0]!.lastProbeAt).toBe(lastProbeAt);
  });

  it('shows a backend as unknown until the first probe, then healthy', async () => {
    const b = await probedBackend(200);
    const { proxy } = await startProxy({ healthProbe: { intervalSec: 30 }, backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] });
    expect(proxy.snapshots()[0]).toMatchObject({ status: 'unknown', deployments: [{ status: 'unknown' }] });
    await until(() => proxy.snapshots()[0]!.status !== 'unknown', 'the first probe to answer');
    expect(proxy.snapshots()[0]).toMatchObject({ status: 'healthy', deployments: [{ status: 'healthy' }] });
    expect(b.probes).toHaveLength(1);
  });
});
