import { randomBytes, timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  SimError, badRequest, deploymentNotFound, permissionDenied, requestIdHeaders, resourceNotFound, sendError, statusError, throttled, tooLarge, unauthorized,
} from './azure';
import { parseJsonObject, readBody } from './body';
import { handleChat, handleCompletions } from './chat';
import { admissionCharge } from './charge';
import { multipartFields } from './content';
import { handleControl } from './control';
import { DEFAULT_RETRY_AFTER_MS, FailQueue, parseFailNext, parseFaults, pickFault, throttleHeaders } from './faults';
import { handleAudio, handleEmbeddings, handleImages, handleModels } from './media';
import { handleCreateResponse, handleDeleteResponse, handleGetResponse } from './responses';
import { GENERATIVE, MODEL_FROM_BODY, matchRoute, type Ctx, type Handler, type Op, type Route } from './router';
import { QuotaLimiter, type QuotaLimits } from './quota';
import { pause } from './sse';
import { SIM_CODINGS, negotiateEncoding, setResponseEncoding } from './encoding';
import type { FailSpec, Faults, ReceivedRequest, SimBackendOptions, SimStats } from './types';

const HANDLERS: Record<Op, Handler> = {
  chat: handleChat, completions: handleCompletions, embeddings: handleEmbeddings, images: handleImages,
  transcriptions: handleAudio, translations: handleAudio, responses: handleCreateResponse,
  'responses.get': handleGetResponse, 'responses.delete': handleDeleteResponse, models: handleModels,
};
/** Operations that spend the rolling minute's quota; audio and images count requests only. */
const TOKEN_FREE: ReadonlySet<Op> = new Set<Op>(['images', 'transcriptions', 'translations']);
const QUOTA_FREE: ReadonlySet<Op> = new Set<Op>(['models', 'responses.get', 'responses.delete']);
const DATED_API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
const KEEP_REQUESTS = 200;
const KEEP_BODY_BYTES = 64 * 1024;
/** Deployments with their own counters; past this, the oldest are forgotten (any name may be used when `deployments` is unset). */
const MAX_LIMITERS = 1000;
const DEFAULT_TPM = 120_000;

/**
 * One simulated Azure OpenAI resource on 127.0.0.1: the data-plane routes
 * the proxy forwards, plus fault injection. See ./index.ts for the surface.
 */
export class SimulatedBackend {
  readonly name: string;
  readonly apiKey: string;
  /** The last 200 data-plane requests (not /_sim/*), oldest first. */
  readonly requests: ReceivedRequest[] = [];
  readonly stats: SimStats = { total: 0, byStatus: {} };

  private current: Faults;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly closing = new AbortController();
  private readonly queue = new FailQueue();
  /** Quota counters per deployment name ('' for operations without one), created on first use. */
  private readonly limiters = new Map<string, QuotaLimiter>();
  private readonly stored = new Map<string, Record<string, unknown>>();
  private readonly random: () => number;
  private closed: Promise<void> | undefined;
  /** Kept after close() so `url` still names the backend in late log lines and assertions. */
  private boundPort: number | undefined;

  constructor(private readonly opts: SimBackendOptions) {
    if (!opts.name) throw new Error('simulated backend needs a name');
    this.name = opts.name;
    this.apiKey = opts.apiKey ?? randomBytes(16).toString('hex');
    this.current = parseFaults(opts.faults ?? {});
    // Check every limit now, so a bad option fails at construction and not on the first request.
    this.limitsFor('');
    for (const d of Object.keys(opts.quotas ?? {})) this.limitsFor(d);
    this.random = opts.random ?? Math.random;
    // Every pending latency wait and chunk delay listens on this one signal; many concurrent streams are normal.
    setMaxListeners(0, this.closing.signal);
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1 (the configured port, or a free one). */
  async start(): Promise<void> {
    if (this.closed) throw new Error(`simulated backend ${this.name} is closed`);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => {
        this.server.off('listening', onListening);
        reject(e);
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        const addr = this.server.address();
        this.boundPort = addr && typeof addr === 'object' ? addr.port : undefined;
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(this.opts.port ?? 0, '127.0.0.1');
    });
  }

  /** The bound port; throws before start(). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error(`simulated backend ${this.name} is not started`);
    return this.boundPort;
  }

  /** `http://127.0.0.1:PORT`, no trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A copy of the faults in force. */
  get faults(): Faults {
    return { ...this.current };
  }

  /** Replaces the faults; throws on invalid values and leaves the old ones in force. */
  setFaults(f: Faults): void {
    this.current = parseFaults(f);
  }

  /**
   * The next `count` data-plane requests answer `status` with `headers` and an
   * Azure error body, before any auth or routing check. 0 resets the socket
   * before headers; -1 hangs. A 429 without `headers` gets the throttle headers
   * the faults' retryHeader/retryAfterMs describe; pass `{}` for none.
   * Calls queue up in order.
   */
  failNext(status: number, count = 1, headers?: Record<string, string>): void {
    const parsed = parseFailNext({ status, count, headers });
    this.queue.push(parsed.spec, parsed.count);
  }

  get pendingFailures(): number {
    return this.queue.pending;
  }

  /** Stops listening and destroys every socket, hanging ones included; resolves once the server is closed. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing.abort();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.process(req, res);
    } catch {
      // Never crash on any input: an unexpected error answers like an Azure outage would.
      if (!res.headersSent && !res.destroyed) sendError(res, statusError(500), requestIdHeaders());
      else res.destroy();
    }
  }

  private async process(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return sendError(res, badRequest('Invalid URL. (simulated)'), requestIdHeaders());
    }
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) return handleControl(this, req, res, url.pathname);

    const offered = this.opts.compress === true ? SIM_CODINGS : this.opts.compress || [];
    const coding = negotiateEncoding(req.headers['accept-encoding'], offered);
    if (coding) setResponseEncoding(res, coding);

    // Taken at arrival, not after the body, so concurrent requests fail in the order they came.
    const failure = this.queue.take();
    const record: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '', at: Date.now() };
    this.requests.push(record);
    if (this.requests.length > KEEP_REQUESTS) this.requests.shift();
    res.once('close', () => (record.closed = { at: Date.now(), complete: res.writableFinished }));
    this.stats.total++;

    const body = await readBody(req);
    if (!body.ok) {
      // The client left before sending its body: nobody to answer, nothing to count.
      if (body.reason === 'gone') return;
      this.count(413);
      return sendError(res, statusError(413), requestIdHeaders());
    }
    record.body = body.raw.subarray(0, KEEP_BODY_BYTES).toString('utf8');
    const faults = this.current;
    await pause(faults.latencyMs ?? 0, this.closing.signal);
    if (this.closing.signal.aborted || res.destroyed) return;

    const route = matchRoute(req.method ?? '', url.pathname);
    const apiVersion = url.searchParams.get('api-version') ?? undefined;
    const headers = requestIdHeaders();
    try {
      if (failure) return this.fail(failure, faults, req, res, headers, route?.op, apiVersion);
      if (!route) throw resourceNotFound();
      // Azure answers 404 when api-version is missing (MicrosoftDocs/azure-docs#114602) and 400 for one it does not know.
      if (!route.v1 && !apiVersion) throw resourceNotFound();
      if (!route.v1 && !DATED_API_VERSION.test(apiVersion ?? '')) throw badRequest('API version not supported');
      // The v1 API takes no dated version: Azure answers 400 "api-version query parameter is not
      // allowed when using /v1 path" (quoted in pydantic/pydantic-ai#5066).
      if (route.v1 && DATED_API_VERSION.test(apiVersion ?? '')) throw badRequest('api-version query parameter is not allowed when using /v1 path');
      if (!this.authorized(req.headers)) throw unauthorized();
      if (this.opts.bearerWithoutRole && !req.headers['api-key']) throw permissionDenied(route.op, req.method ?? 'POST', url.pathname);
      const ctx = this.context(req, res, route, body.raw, headers, faults);
      // Azure reports the deployment's limits on every answer, throttled or not.
      if (!QUOTA_FREE.has(route.op)) Object.assign(headers, this.limiter(ctx.deployment).headers(Date.now()));
      const action = pickFault(faults, this.random);
      if (action === 'reset') return this.reset(req);
      if (action === 'hang') return this.count(-1);
      const wait = faults.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
      if (action === '5xx') throw statusError(faults.status5xx ?? 500);
      if (action === '429') throw throttled(wait, route.op, apiVersion, throttleHeaders(faults.retryHeader ?? 'all', wait));
      this.spendQuota(ctx, apiVersion);
      await HANDLERS[route.op](ctx);
      this.count(res.headersSent ? res.statusCode : 0);
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      this.count(e.status);
      sendError(res, e, headers);
    }
  }

  /** Parses the body and resolves the deployment; throws the Azure error for whatever is wrong. */
  private context(req: IncomingMessage, res: ServerResponse, route: Route, raw: Buffer, headers: Record<string, string>, faults: Faults): Ctx {
    const audio = route.op === 'transcriptions' || route.op === 'translations';
    const fields = audio ? multipartFields(raw, req.headers['content-type']) : new Map<string, string>();
    if (!fields) throw badRequest('Invalid content type. multipart/form-data is required. (simulated)', null, 'invalid_content_type');
    const body = req.method === 'POST' && !audio ? parseJsonObject(raw) : {};
    let deployment = route.deployment ?? '';
    if (!route.deployment && MODEL_FROM_BODY.has(route.op)) {
      const model = audio ? fields.get('model') : body.model;
      if (typeof model !== 'string' || model === '') throw badRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
      deployment = model;
    }
    if (deployment && this.opts.deployments && !this.opts.deployments.includes(deployment)) throw deploymentNotFound();
    const streams = body.stream === true && GENERATIVE.has(route.op);
    const cutRate = faults.midStreamResetRate ?? 0;
    return {
      req, res, route, raw, body, fields, headers, faults, deployment,
      name: this.name,
      baseUrl: this.url,
      cutStream: streams && cutRate > 0 && this.random() < cutRate,
      signal: this.closing.signal,
      responses: this.stored,
      deployments: this.opts.deployments,
    };
  }

  /**
   * Charges the deployment's quota the way Azure does at admission (see
   * ./quota.ts, ./charge.ts) and refreshes the rate-limit headers. With
   * enforceLimits, a request that does not fit is refused with a 429 whose
   * retry headers say when this request would fit; without, the headers
   * count down but nothing is refused.
   */
  private spendQuota(ctx: Ctx, apiVersion: string | undefined): void {
    const { op } = ctx.route;
    if (QUOTA_FREE.has(op)) return;
    const tokens = TOKEN_FREE.has(op) ? 0 : admissionCharge(op, ctx.body, this.opts.defaultMaxTokens).total;
    const limiter = this.limiter(ctx.deployment);
    const now = Date.now();
    if (this.opts.enforceLimits) {
      const verdict = limiter.admit(tokens, now);
      if (!verdict.ok) {
        Object.assign(ctx.headers, limiter.headers(now));
        if (verdict.retryAfterMs === undefined) throw tooLarge(tokens, limiter.tokensPerMinute);
        throw throttled(verdict.retryAfterMs, op, apiVersion, throttleHeaders(ctx.faults.retryHeader ?? 'all', verdict.retryAfterMs));
      }
    } else {
      // Count without refusing: the headers still show use, as on a deployment far from its limit.
      limiter.admit(tokens, now);
    }
    Object.assign(ctx.headers, limiter.headers(now));
  }

  /** This deployment's limits: its own entry in `quotas`, else the backend's. */
  private limitsFor(deployment: string): QuotaLimits {
    const own = this.opts.quotas?.[deployment];
    const limits = {
      tokensPerMinute: own?.tokensPerMinute ?? this.opts.tokensPerMinute ?? DEFAULT_TPM,
      requestsPerMinute: own?.requestsPerMinute ?? (own?.tokensPerMinute === undefined ? this.opts.requestsPerMinute : undefined),
    };
    const where = deployment ? `quotas["${deployment}"]` : 'the backend';
    if (!(Number.isFinite(limits.tokensPerMinute) && limits.tokensPerMinute > 0)) throw new Error(`simulated backend ${this.name}: tokensPerMinute of ${where} must be a number > 0`);
    if (limits.requestsPerMinute !== undefined && !(Number.isFinite(limits.requestsPerMinute) && limits.requestsPerMinute > 0)) {
      throw new Error(`simulated backend ${this.name}: requestsPerMinute of ${where} must be a number > 0`);
    }
    const scale = this.opts.timeScale ?? 1;
    if (!(Number.isFinite(scale) && scale > 0)) throw new Error(`simulated backend ${this.name}: timeScale must be a number > 0`);
    return limits;
  }

  private limiter(deployment: string): QuotaLimiter {
    let l = this.limiters.get(deployment);
    if (!l) {
      if (this.limiters.size >= MAX_LIMITERS) this.limiters.delete(this.limiters.keys().next().value!);
      l = new QuotaLimiter(this.limitsFor(deployment), Date.now(), this.opts.timeScale ?? 1);
      this.limiters.set(deployment, l);
    }
    return l;
  }

  private fail(spec: FailSpec, faults: Faults, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>, op: Op | undefined, apiVersion: string | undefined): void {
    if (spec.status === 0) return this.reset(req);
    if (spec.status === -1) return this.count(-1);
    const wait = faults.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    const err = spec.status === 429
      ? throttled(wait, op, apiVersion, spec.headers ?? throttleHeaders(faults.retryHeader ?? 'all', wait))
      : statusError(spec.status, spec.headers);
    this.count(err.status);
    sendError(res, err, headers);
  }

  /** RST rather than FIN: what a crashed or overloaded front end looks like to the client. */
  private reset(req: IncomingMessage): void {
    this.count(0);
    try {
      req.socket.resetAndDestroy();
    } catch {
      req.socket.destroy();
    }
  }

  private authorized(headers: IncomingHttpHeaders): boolean {
    const key = headers['api-key'];
    if (typeof key === 'string' && key !== '') {
      const a = Buffer.from(key);
      const b = Buffer.from(this.apiKey);
      return a.length === b.length && timingSafeEqual(a, b);
    }
    const auth = headers.authorization;
    return this.opts.acceptBearer !== false && typeof auth === 'string' && /^Bearer\s+\S/i.test(auth);
  }

  private count(status: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }
}
