/**
 * A Resource Manager stand-in on https://127.0.0.1 (issue 11): what discovery
 * reads, answered the way ARM answers it. Mirrors, with their references:
 * - Tenants - List: `GET /tenants` (https://learn.microsoft.com/rest/api/resources/tenants/list)
 * - Subscriptions - List: `GET /subscriptions`, only the token's tenant
 *   (https://learn.microsoft.com/rest/api/resources/subscriptions/list)
 * - Accounts - List: `GET /subscriptions/{s}/providers/Microsoft.CognitiveServices/accounts`
 *   (https://learn.microsoft.com/rest/api/aiservices/accountmanagement/accounts/list)
 * - Deployments - List: `GET .../resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{a}/deployments`
 *   (https://learn.microsoft.com/rest/api/aiservices/accountmanagement/deployments/list)
 * - Accounts - List Keys: `POST .../accounts/{a}/listKeys`
 *   (https://learn.microsoft.com/rest/api/aiservices/accountmanagement/accounts/list-keys)
 * - every list pages with `nextLink` (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-manager-request-limits is
 *   silent on page size; ARM's list contract is `{value, nextLink}`: https://github.com/microsoft/api-guidelines/blob/vNext/azure/Guidelines.md#collections);
 * - errors as `{"error": {"code", "message"}}`: 401 AuthenticationFailed without
 *   a bearer token, 401 InvalidAuthenticationTokenTenant for a token of another
 *   tenant than the subscription's, 403 AuthorizationFailed where the caller has
 *   no role, 400 MissingApiVersionParameter
 *   (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors).
 * Bearer tokens are not verified; their `tid` claim (if any) picks the tenant.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ArmWorld, ArmWorldAccount, ArmWorldDeployment, ArmWorldSubscription } from './world';
import type { TestTls } from './tls';

export interface ArmRequestRecord {
  method: string;
  path: string;
  tenantId: string;
}

type Json = Record<string, unknown>;

class ArmError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const PROVIDER = 'providers/Microsoft.CognitiveServices/accounts';

export class ArmStandIn {
  readonly requests: ArmRequestRecord[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();
  private port: number | undefined;

  constructor(
    private readonly world: ArmWorld,
    tls: TestTls,
    /** Account name -> its data-plane origin. */
    private readonly endpoints: ReadonlyMap<string, string>,
    /** Account name -> the two keys `listKeys` returns. */
    readonly keys: ReadonlyMap<string, { key1: string; key2: string }>,
  ) {
    this.server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    this.port = addr && typeof addr === 'object' ? addr.port : undefined;
  }

  /** `https://127.0.0.1:PORT`: the Resource Manager endpoint to configure. */
  get url(): string {
    if (this.port === undefined) throw new Error('the ARM stand-in is not started');
    return `https://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    try {
      const tenantId = this.tenantOf(req.headers.authorization);
      this.requests.push({ method: req.method ?? '', path: url.pathname, tenantId });
      if (!url.searchParams.get('api-version')) throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
      send(res, 200, this.route(req.method ?? 'GET', url, tenantId));
    } catch (e) {
      const err = e instanceof ArmError ? e : new ArmError(500, 'InternalServerError', 'The simulated Resource Manager failed.');
      send(res, err.status, { error: { code: err.code, message: err.message } });
    }
  }

  private route(method: string, url: URL, tenantId: string): Json {
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (method === 'GET' && segs.length === 1 && segs[0] === 'tenants') {
      return this.page(url, this.world.tenants.map((t) => ({
        id: `/tenants/${t.id}`, tenantId: t.id, tenantCategory: t.id === tenantId ? 'Home' : 'ProjectedBy', displayName: t.name, defaultDomain: t.domain, domains: [t.domain],
      })));
    }
    if (method === 'GET' && segs.length === 1 && segs[0] === 'subscriptions') {
      return this.page(url, this.world.subscriptions.filter((s) => s.tenantId === tenantId).map((s) => ({
        id: `/subscriptions/${s.id}`, subscriptionId: s.id, tenantId: s.tenantId, displayName: s.name, state: 'Enabled', authorizationSource: 'RoleBased',
      })));
    }
    if (segs[0] !== 'subscriptions' || !segs[1]) throw new ArmError(404, 'NotFound', `No route for ${method} ${url.pathname}. (simulated)`);
    const sub = this.subscription(segs[1], tenantId);
    const rest = segs.slice(2).join('/');
    if (method === 'GET' && rest === PROVIDER) {
      if (sub.forbidden) throw forbidden(tenantId, 'Microsoft.CognitiveServices/accounts/read', `/subscriptions/${sub.id}`);
      return this.page(url, sub.accounts.map((a) => this.accountJson(sub, a)));
    }
    const m = /^resourceGroups\/([^/]+)\/providers\/Microsoft\.CognitiveServices\/accounts\/([^/]+)(?:\/(deployments|listKeys))?$/i.exec(rest);
    const account = m && sub.accounts.find((a) => a.name.toLowerCase() === m[2]!.toLowerCase() && a.resourceGroup.toLowerCase() === m[1]!.toLowerCase());
    if (!m || !account) throw new ArmError(404, 'ResourceNotFound', `The Resource '${PROVIDER.slice(10)}/${m?.[2] ?? '?'}' under resource group '${m?.[1] ?? '?'}' was not found. (simulated)`);
    const scope = `/subscriptions/${sub.id}/resourceGroups/${account.resourceGroup}/${PROVIDER}/${account.name}`;
    if (method === 'GET' && m[3] === 'deployments') {
      if (account.deploymentsForbidden) throw forbidden(tenantId, 'Microsoft.CognitiveServices/accounts/deployments/read', scope);
      return this.page(url, account.deployments.map((d) => deploymentJson(scope, d)));
    }
    if (method === 'POST' && m[3]?.toLowerCase() === 'listkeys') return { ...(this.keys.get(account.name) ?? { key1: '', key2: '' }) };
    if (method === 'GET' && !m[3]) return this.accountJson(sub, account);
    throw new ArmError(405, 'MethodNotAllowed', `${method} is not supported here. (simulated)`);
  }

  /** The subscription, if the token's tenant owns it (ARM checks the issuer against the subscription's tenant). */
  private subscription(id: string, tenantId: string): ArmWorldSubscription {
    const sub = this.world.subscriptions.find((s) => s.id.toLowerCase() === id.toLowerCase());
    if (!sub) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${id}' could not be found.`);
    if (sub.tenantId !== tenantId) {
      throw new ArmError(401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer 'https://sts.windows.net/${tenantId}/'. It must match the tenant 'https://sts.windows.net/${sub.tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${sub.tenantId}' to get the token.`);
    }
    return sub;
  }

  private accountJson(sub: ArmWorldSubscription, a: ArmWorldAccount): Json {
    const endpoint = `${this.endpoints.get(a.name) ?? `https://${a.name}.openai.azure.com`}/`;
    const endpoints = a.kind === 'AIServices' ? { 'OpenAI Language Model Instance API': endpoint, 'Azure AI Model Inference API': endpoint } : { 'OpenAI Language Model Instance API': endpoint };
    return {
      id: `/subscriptions/${sub.id}/resourceGroups/${a.resourceGroup}/${PROVIDER}/${a.name}`,
      name: a.name, type: 'Microsoft.CognitiveServices/accounts', kind: a.kind, location: a.region, sku: { name: 'S0' },
      properties: { endpoint, endpoints, customSubDomainName: a.name, provisioningState: 'Succeeded', publicNetworkAccess: 'Enabled' },
    };
  }

  /** `{value, nextLink}` with `pageSize` items per page; `$skiptoken` is the offset. */
  private page(url: URL, items: Json[]): Json {
    const size = this.world.pageSize ?? 2;
    const from = Number(url.searchParams.get('$skiptoken') ?? '0') || 0;
    const value = items.slice(from, from + size);
    if (from + size >= items.length) return { value };
    const next = new URL(url.pathname, this.url);
    next.searchParams.set('api-version', url.searchParams.get('api-version')!);
    next.searchParams.set('$skiptoken', String(from + size));
    return { value, nextLink: next.toString() };
  }

  private tenantOf(authorization: string | undefined): string {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    const home = this.world.tenants[0]?.id ?? '';
    try {
      const claims = JSON.parse(Buffer.from(m[1]!.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: unknown };
      return this.world.tenants.some((t) => t.id === claims.tid) ? String(claims.tid) : home;
    } catch {
      return home;
    }
  }
}

function forbidden(tenantId: string, action: string, scope: string): ArmError {
  const who = `caller-in-${tenantId}`;
  return new ArmError(403, 'AuthorizationFailed', `The client '${who}' with object id '${who}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
}

function deploymentJson(scope: string, d: ArmWorldDeployment): Json {
  const provisioned = /provisioned/i.test(d.sku);
  const capabilities: Record<string, string> = { chatCompletion: String(!/embedding/.test(d.model)) };
  if (d.maxContextTokens) capabilities.maxContextToken = String(d.maxContextTokens);
  if (d.maxOutputTokens) capabilities.maxOutputToken = String(d.maxOutputTokens);
  // Standard SKUs: capacity is thousands of TPM, and 6 RPM per 1,000 TPM, counted per 10 s
  // (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/quota).
  const rateLimits = provisioned || d.rateLimits === false ? undefined
    : [{ key: 'request', renewalPeriod: 10, count: d.capacity }, { key: 'token', renewalPeriod: 60, count: d.capacity * 1000 }];
  return {
    id: `${scope}/deployments/${d.name}`, name: d.name, type: 'Microsoft.CognitiveServices/accounts/deployments',
    sku: { name: d.sku, capacity: d.capacity },
    properties: {
      model: { format: 'OpenAI', name: d.model, version: d.version },
      provisioningState: 'Succeeded',
      ...(d.contentFilter ? { raiPolicyName: d.contentFilter } : {}),
      capabilities,
      ...(rateLimits ? { rateLimits } : {}),
      versionUpgradeOption: 'OnceNewDefaultVersionAvailable',
    },
  };
}

function send(res: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-ms-request-id': randomBytes(16).toString('hex') });
  res.end(text);
}
