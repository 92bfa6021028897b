/**
 * Active health: every `healthProbe.intervalSec`, a cheap authenticated GET of
 * each enabled backend's model list, whose outcome goes to `observe()` like
 * any answer. It brings a misconfigured or failing backend back without
 * waiting for live traffic to risk it, and shows a bad key (401/403) or a
 * wrong endpoint (404) before the first request.
 *
 * One loop, whatever happens (issue 9): at most one timer is pending and at
 * most one round runs. A reload asks for a round soon (its new backends are
 * unknown until then) instead of starting a loop; `stop()` aborts the round
 * in flight, and nothing it would still learn is recorded.
 */
import type { Logger } from '../log';
import { ANY_DEPLOYMENT, type BackendHealth } from '../balancer/health';
import { observe, type Observation, type Outcome } from '../balancer/observe';
import { describeUpstreamError } from './upstream';
import type { PoolRuntime } from './pool';

const PROBE_TIMEOUT_MS = 10_000;

export class HealthProber {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopRound: AbortController | undefined;
  private running = false;
  private stopped = false;
  /** A round was asked for while one ran: start it when that one ends. */
  private soon = false;

  constructor(
    private readonly pool: () => PoolRuntime,
    private readonly log: Logger,
  ) {}

  /** Starts the loop; the first round at once, so views show real states quickly. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.schedule(0);
  }

  /** The config changed: a round soon, with the new config (and its interval from then on). */
  reload(): void {
    if (!this.running) return;
    if (this.round) this.soon = true;
    else this.schedule(0);
  }

  /** Ends the loop and the round in flight; until `start()`, nothing is probed. */
  stop(): void {
    this.running = false;
    this.stopped = true;
    this.soon = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopRound?.abort();
  }

  /**
   * One round now (the "Probe Backends Now" command); joins the round
   * already running, if any. After `stop()` it starts none: it only waits for
   * the stopped round to wind down.
   */
  probeAll(): Promise<void> {
    if (this.stopped) return this.round ?? Promise.resolve();
    if (!this.round) {
      const round: Promise<void> = this.runRound().finally(() => {
        if (this.round !== round) return;
        this.round = undefined;
        if (this.soon && this.running) {
          this.soon = false;
          this.schedule(0);
        }
      });
      this.round = round;
    }
    return this.round;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running || this.pool().config.healthProbe.intervalSec <= 0) return;
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    void this.probeAll().finally(() => {
      // Stopped, or the round's end already asked for the next one.
      if (!this.running || this.timer) return;
      this.schedule(this.pool().config.healthProbe.intervalSec * 1000);
    });
  }

  private async runRound(): Promise<void> {
    const pool = this.pool();
    const stop = new AbortController();
    this.stopRound = stop;
    const backends = [...pool.health.values()].filter((h) => h.config.enabled);
    await Promise.all(backends.map((h) => this.probe(pool, h, stop.signal)));
    if (this.stopRound === stop) this.stopRound = undefined;
  }

  private async probe(pool: PoolRuntime, h: BackendHealth, stop: AbortSignal): Promise<void> {
    const b = h.config;
    const at = (): Observation => ({ source: 'probe', deployment: ANY_DEPLOYMENT, now: Date.now(), cooldown: pool.config.cooldown });
    const auth = await pool.auth.headerFor(b);
    if (stop.aborted) return;
    if (!auth.ok) {
      observe(h, { kind: 'credential', state: auth.state, reason: auth.reason }, at());
      return;
    }
    observe(h, { kind: 'credential', state: 'ok' }, at());
    const ac = new AbortController();
    const onStop = () => ac.abort();
    stop.addEventListener('abort', onStop);
    const timeout = setTimeout(() => ac.abort(), Math.min(PROBE_TIMEOUT_MS, pool.config.timeouts.headersMs));
    const started = performance.now();
    let outcome: Outcome;
    try {
      const res = await pool.upstreams.request({
        origin: b.endpoint,
        path: `/openai/models?api-version=${encodeURIComponent(pool.config.healthProbe.apiVersion)}`,
        method: 'GET',
        headers: { [auth.header]: auth.value, 'user-agent': 'aoai-pool-probe' },
        body: undefined,
        signal: ac.signal,
        headersTimeout: PROBE_TIMEOUT_MS,
        bodyTimeout: PROBE_TIMEOUT_MS,
      });
      await res.body.dump();
      outcome = { kind: 'answer', status: res.statusCode, headers: res.headers, latencyMs: performance.now() - started };
    } catch (e) {
      const d = describeUpstreamError(e);
      const timedOut = ac.signal.aborted && !stop.aborted;
      outcome = { kind: 'transport', failure: timedOut ? 'timeout' : d.kind === 'aborted' ? 'other' : d.kind, message: timedOut ? 'timed out' : d.message };
      if (!stop.aborted) this.log.debug(`probe ${b.name}: ${outcome.message}`);
    } finally {
      clearTimeout(timeout);
      stop.removeEventListener('abort', onStop);
    }
    // Stopped meanwhile: the pool is closing (or closed); what we saw says nothing about the backend.
    if (!stop.aborted) observe(h, outcome, at());
  }
}
