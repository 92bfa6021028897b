/**
 * Simulated Azure OpenAI backends with fault injection: the demo, the test
 * double for the proxy, and the extension's "try without Azure" mode.
 *
 * Routes (each on http://127.0.0.1:PORT):
 * - `POST /openai/deployments/{d}/chat/completions|completions|embeddings|images/generations|audio/transcriptions|audio/translations?api-version=YYYY-MM-DD[-preview]`
 * - `POST /openai/responses?api-version=…`, `GET|DELETE /openai/responses/{id}?api-version=…`, `GET /openai/models?api-version=…`
 * - `/openai/v1/…` for all of the above, deployment = the body's `model`, no api-version
 * - with `compress`, answers in the coding the request's Accept-Encoding prefers (gzip, br, deflate)
 * - `/_sim/stats`, `/_sim/faults` (GET/POST), `POST /_sim/fail-next`, `GET /_sim/image.png`: control, no auth
 *
 * `./arm` adds a Resource Manager stand-in (tenants, subscriptions, accounts,
 * deployments, listKeys) over TLS whose accounts are backends of this kind.
 */
import { SimulatedBackend } from './server';
import type { SimBackendOptions } from './types';

export { SimulatedBackend } from './server';
export { parseFaults, parseFailNext, formatResetDuration, throttleHeaders } from './faults';
export { replyPieces, embeddingVector } from './content';
export * from './types';

/** Starts every backend; if one fails to listen, closes the others and rethrows. */
export async function startSimulatedBackends(opts: SimBackendOptions[]): Promise<SimulatedBackend[]> {
  const backends = opts.map((o) => new SimulatedBackend(o));
  const results = await Promise.allSettled(backends.map((b) => b.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(backends.map((b) => b.close()));
    throw failed.reason;
  }
  return backends;
}
