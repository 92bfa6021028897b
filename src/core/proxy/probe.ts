/**
 * Active health: every `healthProbe.intervalSec`, a cheap authenticated GET of
 * the backend's model list. It is what brings a misconfigured or ejected
 * backend back without waiting for live traffic to risk it, and what shows a
 * bad key (401/403) or a wrong endpoint (404) before the first request.
 */
import type { Logger } from '../log';
import { describeUpstreamError } from './upstream';
import type { PoolRuntime } from './pool';
import type { BackendHealth } from '../balancer/health';

export class HealthProber {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly pool: () => PoolRuntime,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stop();
    const sec = this.pool().config.healthProbe.intervalSec;
    if (sec <= 0) return;
    // First round soon after start, so the tree shows real states quickly.
    this.timer = setTimeout(() => this.tick(sec), 1_000);
    this.timer.unref();
  }

  restart(): void {
    this.start();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(sec: number): void {
    void this.probeAll().finally(() => {
      if (!this.timer) return;
      this.timer = setTimeout(() => this.tick(sec), sec * 1000);
      this.timer.unref();
    });
  }

  probeAll(): Promise<void> {
    this.running ??= (async () => {
      const pool = this.pool();
      await Promise.all([...pool.health.values()].filter((h) => h.config.enabled).map((h) => this.probe(pool, h)));
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async probe(pool: PoolRuntime, h: BackendHealth): Promise<void> {
    const b = h.config;
    const auth = await pool.auth.headerFor(b);
    if (!auth.ok) {
      h.setCredential(auth.state, auth.reason);
      pool.changed(h);
      return;
    }
    h.setCredential('ok');
    const ac = new AbortController();
    const timeout = setTimeout(() => ac.abort(), Math.min(10_000, pool.config.timeouts.headersMs));
    const now = () => Date.now();
    try {
      const res = await pool.upstreams.request({
        origin: b.endpoint,
        path: `/openai/models?api-version=${encodeURIComponent(pool.config.healthProbe.apiVersion)}`,
        method: 'GET',
        headers: { [auth.header]: auth.value, 'user-agent': 'aoai-pool-probe' },
        body: undefined,
        signal: ac.signal,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.dump();
      h.lastProbeAt = now();
      const s = res.statusCode;
      if (s < 400) h.recordProbeOk(now());
      else if (s === 401 || s === 403) h.recordMisconfigured(s, s === 401 ? 'probe: the backend refused our credential' : 'probe: our credential lacks access', now());
      else if (s === 404) h.recordMisconfigured(s, 'probe: no Azure OpenAI API at this endpoint', now());
      else if (s >= 500) h.recordFailure(`probe: HTTP ${s}`, now());
    } catch (e) {
      h.lastProbeAt = now();
      const d = describeUpstreamError(e);
      h.recordFailure(`probe: ${ac.signal.aborted ? 'timed out' : d.message}`, now());
      this.log.debug(`probe ${b.name}: ${d.message}`);
    } finally {
      clearTimeout(timeout);
      pool.changed(h);
    }
  }
}
