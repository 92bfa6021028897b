/**
 * The balancing proxy: a node:http server on loopback running each request
 * through the stages below, in this order. A stage that answers the request
 * returns true and the rest are skipped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PoolConfig } from '../config/types';
import { isPoolError, PoolError } from '../errors';
import { TypedEmitter, type PoolEventMap } from '../events';
import { silentLogger, Redactor, maskingLogger, type Logger } from '../log';
import { UpstreamAuth, type CredentialSource } from '../auth/credentials';
import type { BackendSnapshot, HealthChange } from '../balancer/health';
import { PoolHealth } from '../balancer/poolHealth';
import { PoolRuntime } from './pool';
import { HealthProber } from './probe';
import { StateEvents } from './stateEvents';
import { rawPoolError, sendPoolError } from './poolErrors';
import { ClientGone, isClientLeft, type ProxyContext, type ProxySettings, type Stage } from './context';
import { StickyMap } from './sticky';
import { RetryBudget } from '../balancer/retryBudget';
import { resolveState } from './stages/state';
import { guardBrowser, guardFraming, guardHost } from './stages/guard';
import { authenticateClient } from './stages/clientAuth';
import { resolveRoute, serveHealth, serveModels } from './stages/route';
import { readBody } from './stages/body';
import { resolveModel } from './stages/model';
import { forward } from './stages/forward';
import { metricsText, requestsText, serveMetrics, serveRequests } from './stages/poolData';
import type { ReportOptions } from '../metrics/report';
import type { RequestQuery } from '../metrics/ring';
import { PoolMetrics } from '../metrics/recorder';
import { NOOP_TRACE, Trace } from '../metrics/trace';
import { TracedRecord } from '../metrics/record';
import { RECORDING } from '../metrics/enabled';

/** The pipeline, in its fixed order. */
export const STAGES: readonly (readonly [string, Stage])[] = [
  ['guardFraming', guardFraming],
  ['guardHost', guardHost],
  ['guardBrowser', guardBrowser],
  ['resolveRoute', resolveRoute],
  ['serveHealth', serveHealth],
  ['authenticateClient', authenticateClient],
  ['serveModels', serveModels],
  ['serveRequests', serveRequests],
  ['serveMetrics', serveMetrics],
  ['readBody', readBody],
  ['resolveModel', resolveModel],
  ['resolveState', resolveState],
  ['forward', forward],
];

export interface ProxyServerOptions {
  config: PoolConfig;
  clientKey: string;
  credentials: CredentialSource;
  logger?: Logger;
  /** Shared with the shell so secrets it knows are masked here too. */
  redactor?: Redactor;
}

export class ProxyServer extends TypedEmitter<PoolEventMap> {
  private pool: PoolRuntime;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly auth: UpstreamAuth;
  private readonly prober: HealthProber;
  readonly redactor: Redactor;
  readonly log: Logger;
  private clientKey: string;
  private boundPort = 0;
  /** Request ids for the log and events: unique per proxy run, free to make. */
  private requestSeq = 0;
  private readonly sticky = new StickyMap();
  private readonly retryBudget = new RetryBudget();
  /** Traffic series and recent requests, kept across config reloads. */
  readonly metrics = new PoolMetrics();
  /** The one owner of health, across reloads; it announces each change by backend name. */
  private readonly health = new PoolHealth();
  private readonly stateEvents: StateEvents;
  private settings: ProxySettings;
  /** The response in progress on each client socket, for the whole-request deadline's 408. */
  private readonly inflight = new WeakMap<Socket, ServerResponse>();

  constructor(options: ProxyServerOptions) {
    super();
    this.redactor = options.redactor ?? new Redactor();
    this.redactor.add(options.clientKey);
    this.clientKey = options.clientKey;
    this.log = maskingLogger(options.logger ?? silentLogger, this.redactor);
    this.auth = new UpstreamAuth(options.credentials, this.redactor);
    this.stateEvents = new StateEvents(() => this.listenerCount('state') > 0, (name, now) => this.health.snapshot(name, now), (s) => this.emit('state', s));
    this.health.on('changed', (name, what) => this.healthChanged(name, what));
    this.pool = new PoolRuntime(options.config, this.auth, this.health);
    this.prober = new HealthProber(() => this.pool, this.log);
    this.settings = this.makeSettings();
  }

  private makeSettings(): ProxySettings {
    return {
      clientKey: this.clientKey,
      sticky: this.sticky,
      retryBudget: this.retryBudget,
      mask: (t) => this.redactor.mask(t),
      metrics: this.metrics,
    };
  }

  get config(): PoolConfig {
    return this.pool.config;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const host = this.pool.config.host.includes(':') ? `[${this.pool.config.host}]` : this.pool.config.host;
    return `http://${host}:${this.boundPort}`;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  snapshots(): BackendSnapshot[] {
    return this.pool.snapshots();
  }

  /** What `GET /_pool/metrics` answers (JSON text, secrets masked), for a dashboard in this process. */
  metricsJson(opts: ReportOptions = {}): string {
    return metricsText(this.metrics, this.pool, opts, this.settings.mask);
  }

  /** What `GET /_pool/requests` answers (JSON text, secrets masked). */
  requestsJson(q: RequestQuery = {}): string {
    return requestsText(this.metrics, q, this.settings.mask);
  }

  async start(): Promise<void> {
    if (this.server) return;
    // Node checks its header and whole-request deadlines on this period; once
    // a second keeps a slow sender's cut close to timeouts.requestSec.
    const server = createServer({ requireHostHeader: true, maxHeaderSize: 32 * 1024, connectionsCheckingInterval: 1000 }, (req, res) => void this.handle(req, res));
    this.applyDeadlines(server, this.pool.config);
    server.keepAliveTimeout = 5_000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
    const { host, port } = this.pool.config;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        reject(e.code === 'EADDRINUSE'
          ? new PoolError('PortInUse', `port ${port} on ${host} is already in use; stop the other program or choose another port`, { port, host })
          : new PoolError('ListenFailed', `cannot listen on ${host}:${port}: ${e.message}`));
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, host);
    });
    this.server = server;
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
    this.prober.start();
    this.emit('listening', { host, port: this.boundPort, url: this.url });
    // States set while constructing (key missing, signed out) had no listener yet.
    for (const s of this.pool.snapshots()) this.emitState(s);
  }

  /**
   * Replaces the pool with a new config. Requests in flight finish on the old
   * one; its connections close once they are done. The port and host are the
   * caller's business (a change needs a restart).
   */
  reload(config: PoolConfig): void {
    const old = this.pool;
    this.pool = new PoolRuntime(config, this.auth, this.health, old);
    this.prober.reload();
    if (this.server) this.applyDeadlines(this.server, config);
    if (old.upstreams !== this.pool.upstreams) void old.upstreams.close();
    this.emit('reload', { ok: true, errors: [] });
    for (const s of this.pool.snapshots()) this.emitState(s);
  }

  /** Credentials changed (a key was set, someone signed in): re-check who is usable. */
  credentialsChanged(): void {
    // refreshCredentials emits a state event for every backend whose credential state moved.
    this.pool.refreshCredentials();
  }

  setClientKey(key: string): void {
    this.redactor.add(key);
    this.clientKey = key;
    this.settings = this.makeSettings();
  }

  /** Probe every backend now (the "Probe Backends Now" command). */
  probeNow(): Promise<void> {
    return this.prober.probeAll();
  }

  /** Stops listening, aborts in-flight requests and frees the port at once. */
  async close(): Promise<void> {
    this.prober.stop();
    this.stateEvents.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all([closed, this.pool.upstreams.destroy()]);
    this.emit('closed');
  }

  /**
   * A whole request, headers and body, must arrive within timeouts.requestSec
   * (Node's requestTimeout counts from its first byte until its body is
   * complete; a response, however long it streams, is not affected). Headers
   * alone get at most 30 s of it.
   */
  private applyDeadlines(server: Server, config: PoolConfig): void {
    server.requestTimeout = config.timeouts.requestMs;
    server.headersTimeout = Math.min(30_000, config.timeouts.requestMs);
  }

  /**
   * Node's parser refused the bytes, or a deadline passed. A request whose
   * headers arrived has a response we can still answer through (unless
   * something was sent); otherwise the socket gets raw bytes. Either way the
   * connection closes: its framing can no longer be trusted.
   */
  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const reason = `the whole request did not arrive within ${this.pool.config.timeouts.requestMs / 1000} s (timeouts.requestSec)`;
    const res = this.inflight.get(socket);
    if (timeout && res && !res.headersSent && !res.destroyed) {
      sendPoolError(res, 'RequestTimeout', { reason }, { connection: 'close' });
      // Stop reading the rest of the trickle; the 408 is on its way.
      res.once('finish', () => socket.destroy());
      return;
    }
    if (!socket.writable || (res && res.headersSent)) {
      socket.destroy();
      return;
    }
    socket.end(timeout ? rawPoolError('RequestTimeout', { reason }) : 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  }

  /**
   * Every response changes some counter: `changed` says which backend and
   * what kind of change, at no cost; `state` carries a snapshot, paced by
   * StateEvents, for views that want one pushed.
   */
  private healthChanged(name: string, what: HealthChange): void {
    this.emit('changed', name, what);
    this.stateEvents.changed(name, what);
  }

  private emitState(s: BackendSnapshot): void {
    this.emit('state', s);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pool = this.pool;
    const trace = RECORDING ? new Trace() : undefined;
    const record = new TracedRecord(String(++this.requestSeq), req.method ?? 'GET', (req.url ?? '/').split('?')[0]!.slice(0, 200), Date.now(), trace);
    const ctx: ProxyContext = {
      req, res, pool, record, gone: new ClientGone(), startedAt: performance.now(), stream: false,
      settings: this.settings, trace: trace ?? NOOP_TRACE,
    };
    this.inflight.set(req.socket, res);
    res.once('close', () => {
      if (!res.writableFinished) ctx.gone.abort();
    });
    try {
      for (const [, stage] of STAGES) {
        // Most stages answer synchronously; awaiting those would cost a
        // microtask turn each, on every request.
        const handled = stage(ctx);
        if (handled === true || (handled !== false && (await handled))) break;
      }
    } catch (e) {
      // The client left while a stage waited: nobody to answer, nothing wrong.
      if (isClientLeft(e)) return this.finish(ctx);
      // A bug must cost one request, never the process.
      const message = isPoolError(e) ? e.message : 'internal error in the proxy';
      this.log.error(`request ${record.id} failed: ${this.redactor.mask(String((e as Error)?.stack ?? e))}`);
      if (!res.headersSent) sendPoolError(res, 'InternalError', { message });
      else res.destroy();
      record.error = message;
    }
    this.finish(ctx);
  }

  /**
   * The stages are done, so the outcome is known: the response was ended
   * (answered or relayed to the end), or it never will be (the client left,
   * or a stream broke and was destroyed). No need to wait for the socket.
   */
  private finish(ctx: ProxyContext): void {
    const { record, res } = ctx;
    if (this.inflight.get(ctx.req.socket) === res) this.inflight.delete(ctx.req.socket);
    record.ms = Math.round(performance.now() - ctx.startedAt);
    record.alias = ctx.alias;
    record.stream = ctx.stream;
    // What the client was sent, when it was sent something (a backend's
    // error body we could not decode becomes a 502, for one).
    if (res.headersSent) record.status = res.statusCode;
    else if (record.status === 0) record.status = res.statusCode;
    if (!res.writableEnded && !record.error) record.error = 'client disconnected';
    // The pool's own reports are not traffic: a dashboard polling them must not fill the list.
    const trace = ctx.trace;
    if (trace instanceof Trace && ctx.route?.kind !== 'health' && ctx.route?.kind !== 'pool') this.record(ctx, trace);
    if (ctx.pool.config.logRequests) {
      const fo = record.failovers.length ? ` failover=[${record.failovers.map((f) => `${f.backend}:${f.reason}`).join(', ')}]` : '';
      const err = record.error ? ` error="${record.error}"` : '';
      this.log.info(`${record.method} ${record.route} alias=${record.alias ?? '-'} backend=${record.backend ?? '-'} attempts=${record.attempts} status=${record.status} ${record.ms}ms${fo}${err}`);
    }
    this.emit('request', record);
  }

  private record(ctx: ProxyContext, trace: Trace): void {
    const pinnedTo = ctx.stateIds?.map((id) => ctx.settings.sticky.get(id)).find((o) => o !== undefined);
    this.metrics.finish(ctx.record, trace, ctx.startedAt, ctx.body?.length ?? 0, ctx.pool.config, pinnedTo, ctx.gone.aborted, ctx.settings.mask);
  }
}
