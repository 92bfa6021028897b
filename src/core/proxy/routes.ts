/**
 * Turns a request target into a route. Pure and strict: anything that could
 * make the proxy talk to something other than a configured backend's
 * `/openai/...` tree (absolute-form targets, `//host`, dot segments, encoded
 * slashes, control characters) is rejected here, before any stage trusts it.
 */
import { DEPLOYMENT_NAME_PATTERN } from '../config/schema';

export type Route =
  | { kind: 'health' }
  /** `/_pool/requests`, `/_pool/metrics`: what the pool recorded (client key required). */
  | { kind: 'pool'; what: 'requests' | 'metrics'; query: string }
  | { kind: 'models'; id: string | undefined }
  /** `/openai/deployments/{alias}/{rest}`: the deployment comes from the path. */
  | { kind: 'deployment'; alias: string; rest: string; query: string }
  /** `/openai/v1/{rest}` and OpenAI-style `/v1/{rest}` or `/{rest}`: the model comes from the body. */
  | { kind: 'v1'; rest: string; query: string }
  /** Anything else under `/openai/`: the model may come from the body, or no model at all. */
  | { kind: 'openai'; path: string; query: string };

export type RouteResult =
  | { ok: true; route: Route }
  /** `InvalidRequest`: refused as unsafe or malformed; `RouteNotFound`: not a path the pool serves. */
  | { ok: false; code: 'InvalidRequest' | 'RouteNotFound'; message: string };

const DEPLOYMENT = new RegExp(DEPLOYMENT_NAME_PATTERN);
const DATED_API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

/**
 * First path segments of the OpenAI API (https://platform.openai.com/docs/api-reference).
 * A client whose base URL is the bare origin (`http://127.0.0.1:PORT`, no
 * `/v1`) sends `/chat/completions`; other gateways accept that, so we read
 * these as `/v1/...`. `deployments` is there for Azure clients with the same
 * base URL. Any other first segment stays a RouteNotFound.
 */
const OPENAI_RESOURCES = new Set([
  'chat', 'completions', 'embeddings', 'responses', 'models', 'files', 'batches', 'images', 'audio', 'moderations',
  'assistants', 'threads', 'vector_stores', 'uploads', 'fine_tuning', 'conversations', 'containers', 'evals', 'deployments',
]);
/** Path characters we forward; everything else is refused rather than re-encoded. */
const SAFE_PATH = /^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

export function parseTarget(target: string): RouteResult {
  if (!target.startsWith('/') || target.startsWith('//')) {
    return bad('the request target must be a path such as /openai/deployments/NAME/chat/completions; absolute URLs are not proxied');
  }
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : sanitizeQuery(target.slice(q));
  if (query === undefined) return bad('the query string contains control characters');
  if (!SAFE_PATH.test(path)) return bad('the path contains characters that are not allowed');
  // Encoded `/`, `\`, `.` or control characters could be decoded by a
  // backend into a different path than the one we routed.
  if (/%(2f|5c|2e|0[0-9a-f]|1[0-9a-f]|7f)/i.test(path)) return bad('the path contains an encoded slash, dot or control character');
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return bad('the path contains "." or ".." segments');

  if (path === '/_pool/health') return { ok: true, route: { kind: 'health' } };
  if (path === '/_pool/requests' || path === '/_pool/metrics') {
    return { ok: true, route: { kind: 'pool', what: path === '/_pool/requests' ? 'requests' : 'metrics', query } };
  }
  // OpenAI style without the /v1 prefix: the same routes as with it.
  if (segments.length > 0 && OPENAI_RESOURCES.has(segments[0]!)) return routeOf(`/v1${path}`, ['v1', ...segments], query);
  return routeOf(path, segments, query);
}

function routeOf(path: string, segments: string[], query: string): RouteResult {
  if (path === '/v1/models' || path === '/openai/models' || path === '/openai/v1/models') {
    return { ok: true, route: { kind: 'models', id: undefined } };
  }
  // models.retrieve: OpenAI (/v1/models/{id}), Azure v1 and Azure dated (/openai/models/{id}).
  const modelId = /^\/(?:openai\/(?:v1\/)?|v1\/)models\/([^/]+)$/.exec(path);
  if (modelId) return { ok: true, route: { kind: 'models', id: modelId[1] } };

  // Azure style: /openai/deployments/{alias}/..., and the same under /v1, which is
  // what Node's AzureOpenAI sends when OPENAI_BASE_URL ends in /v1 (it appends
  // /deployments/{model}/chat/completions to its base URL, openai-node src/azure.ts).
  const azureBase = segments[0] === 'openai' || segments[0] === 'v1' ? 1 : -1;
  if (azureBase === 1 && segments[1] === 'deployments') {
    const alias = segments[2];
    if (!alias) return { ok: false, code: 'RouteNotFound', message: path };
    if (!DEPLOYMENT.test(alias) || alias.includes('..')) return bad(`"${alias.slice(0, 64)}" is not a valid deployment name (letters, digits, ".", "_", "-")`);
    const rest = path.slice(`/${segments[0]}/deployments/`.length + alias.length);
    return { ok: true, route: { kind: 'deployment', alias, rest, query } };
  }
  if (segments[0] === 'v1') {
    // An Azure client (base URL .../v1, a dated api-version) means Azure's dated
    // path: Azure refuses api-version on /openai/v1 paths ("api-version query
    // parameter is not allowed when using /v1 path", pydantic/pydantic-ai#5066).
    if (DATED_API_VERSION.test(new URLSearchParams(query).get('api-version') ?? '')) {
      return { ok: true, route: { kind: 'openai', path: `/openai${path.slice(3)}`, query } };
    }
    return { ok: true, route: { kind: 'v1', rest: path.slice(3), query } };
  }
  if (segments[0] === 'openai' && segments[1] === 'v1') return { ok: true, route: { kind: 'v1', rest: path.slice(10), query } };
  if (segments[0] === 'openai' && segments.length > 1) return { ok: true, route: { kind: 'openai', path, query } };
  return { ok: false, code: 'RouteNotFound', message: path };
}

/** The query as forwarded: control characters refused, any `api-key` parameter dropped. */
function sanitizeQuery(query: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\u0000-\u001f\u007f]|%0[0-9a-f]|%1[0-9a-f]|%7f/i.test(query)) return undefined;
  if (!/api[-_]?key|subscription-key/i.test(query)) return query;
  const params = new URLSearchParams(query);
  for (const k of [...params.keys()]) if (/^(api[-_]?key|subscription-key)$/i.test(k)) params.delete(k);
  const s = params.toString();
  return s ? `?${s}` : '';
}

function bad(message: string): RouteResult {
  return { ok: false, code: 'InvalidRequest', message };
}

/** The upstream path for a route once the backend's deployment name is known. */
export function upstreamPath(route: Route, deployment: string | undefined): string {
  switch (route.kind) {
    case 'deployment':
      return `/openai/deployments/${deployment ?? route.alias}${route.rest}${route.query}`;
    case 'v1':
      return `/openai/v1${route.rest}${route.query}`;
    case 'openai':
      return `${route.path}${route.query}`;
    default:
      throw new Error(`route ${route.kind} is answered locally`);
  }
}
