/**
 * Stateful objects live on the resource that created them: a Responses API
 * response (`previous_response_id`), files, batches, assistants, threads,
 * vector stores. A request that names one must go to that backend; any other
 * backend would answer 404 for an id it never saw. We learn id -> backend from
 * the responses that create them, and read the ids a request refers to from
 * its path and the well-known body fields.
 */

/** Prefixes of OpenAI/Azure OpenAI object ids that are bound to one resource. */
const PREFIXES = ['resp', 'file', 'batch', 'asst', 'thread', 'msg', 'run', 'step', 'vs', 'vsfb', 'ftjob', 'ft', 'conv', 'upload', 'cntr', 'assistant'];
const ID = new RegExp(`^(?:${PREFIXES.join('|')})[-_][A-Za-z0-9_-]{4,200}$`);
/** `"id": "resp_..."` as the first id in a response body or SSE event; `"previous_response_id"` does not match. */
const CREATED_ID = new RegExp(`"id"\\s*:\\s*"((?:${PREFIXES.join('|')})[-_][A-Za-z0-9_-]{4,200})"`);
const BODY_FIELDS = ['previous_response_id', 'file_id', 'input_file_id', 'thread_id', 'assistant_id', 'vector_store_id', 'conversation', 'response_id'];
const BODY_LIST_FIELDS = ['file_ids', 'vector_store_ids'];

export function isStatefulId(s: string): boolean {
  return ID.test(s);
}

/** The stateful ids a request refers to: in its path, then in its JSON body. */
export function referencedIds(path: string, json: Record<string, unknown> | undefined): string[] {
  const ids: string[] = [];
  for (const seg of path.split('?')[0]!.split('/')) if (ID.test(seg)) ids.push(seg);
  if (json) {
    for (const f of BODY_FIELDS) {
      const v = json[f];
      const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' ? (v as { id: string }).id : undefined;
      if (s !== undefined && ID.test(s)) ids.push(s);
    }
    for (const f of BODY_LIST_FIELDS) {
      const v = json[f];
      if (Array.isArray(v)) for (const s of v) if (typeof s === 'string' && ID.test(s)) ids.push(s);
    }
  }
  return ids;
}

/** The id a creating response announces in its first bytes, if any. */
export function createdId(firstBytes: Buffer): string | undefined {
  return CREATED_ID.exec(firstBytes.toString('latin1', 0, Math.min(firstBytes.length, 16 * 1024)))?.[1];
}

/**
 * Which answers teach the map who holds the ids they carry: a success to a
 * POST that creates an object, and to a GET that reveals one (`GET
 * /openai/v1/responses/{id}`) or lists them (`GET /openai/files`), on the
 * routes where stateful objects live. Deployment routes are stateless.
 */
export function teachesOwner(method: string | undefined, routeKind: string | undefined, status: number): boolean {
  return status >= 200 && status < 300 && (method === 'POST' || method === 'GET') && (routeKind === 'v1' || routeKind === 'openai');
}

/** Reads the ids in an answer's first bytes and remembers `backend` as their owner. The one call into the scanner. */
export function learnIds(sticky: StickyMap, backend: string, first: Buffer): void {
  const id = createdId(first);
  if (id) sticky.set(id, backend);
}

/**
 * id -> backend name, bounded: the oldest entries go first. It outlives
 * config reloads so a conversation survives an edit of the settings.
 */
export class StickyMap {
  private readonly map = new Map<string, string>();

  constructor(private readonly max = 50_000) {}

  get(id: string): string | undefined {
    return this.map.get(id);
  }

  /** The owner of ids we found by asking the backends in turn: remembered like a created one. */
  setAll(ids: readonly string[], backend: string): void {
    for (const id of ids) this.set(id, backend);
  }

  set(id: string, backend: string): void {
    this.map.delete(id);
    this.map.set(id, backend);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  get size(): number {
    return this.map.size;
  }
}
