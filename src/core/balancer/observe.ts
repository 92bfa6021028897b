/**
 * The one place that turns what a backend did into its health, for requests
 * and probes alike: an answer (status, headers, latency), a transport
 * failure, or a credential we could not get. It also says whether a request
 * should fail over, and why (the request log and timeline show it).
 *
 * | outcome                                          | from a request                                  | from a probe                      |
 * |--------------------------------------------------|-------------------------------------------------|-----------------------------------|
 * | answer < 400                                     | success                                         | success                           |
 * | 429                                              | the deployment rests as the headers say; fail over | ignored: probes spend no quota |
 * | 401, 403                                         | misconfigured; fail over                        | misconfigured                     |
 * | 404 `DeploymentNotFound` for a named deployment  | that deployment rests; fail over                | (probes name none)                |
 * | other 404                                        | the caller's business (unknown id, path): relay | misconfigured: no API here        |
 * | 408, 5xx                                         | failure; fail over                              | failure                           |
 * | other 4xx                                        | the caller's business: relay                    | no change (our probe's problem)   |
 * | connect failure (host not found, refused)        | failure, ejected at once; fail over             | same                              |
 * | reset, timeout, other transport failure          | failure; fail over                              | same                              |
 * | no credential (key, token, host refused, approval) | credential state; fail over                    | credential state                  |
 *
 * A client that leaves is nobody's failure: callers do not observe it.
 */
import { ANY_DEPLOYMENT, type BackendHealth, type CredentialProblemState } from './health';
import { parseRemaining, throttleDelay, type HeaderBag } from './throttle';

export type Outcome =
  | {
    kind: 'answer';
    status: number;
    headers: HeaderBag;
    latencyMs: number;
    /** `error.code` of an error body, when the caller read it (404s on a named deployment). */
    errorCode?: string | undefined;
  }
  | { kind: 'transport'; failure: 'connect' | 'timeout' | 'reset' | 'other'; message: string }
  /** `ok`: a credential was had (clears a previous `signedOut`). */
  | { kind: 'credential'; state: 'ok' | CredentialProblemState; reason?: string };

export interface Observation {
  source: 'request' | 'probe';
  /** The backend's deployment the request named, or ANY_DEPLOYMENT. */
  deployment: string;
  now: number;
  /** Rest after a 429 without usable headers, and the most any header may ask for. */
  cooldown: { defaultSec: number; maxSec: number };
}

export interface Verdict {
  /** Try another backend (as long as nothing reached the client). */
  failover: boolean;
  /** Why, for the request log: "HTTP 503", "connection refused". Empty when not failing over. */
  reason: string;
  /** After a 429: how long the deployment rests, and which header said so (or 'default'). */
  rest?: { ms: number; source: string };
}

const RELAY: Verdict = { failover: false, reason: '' };

/** Error codes that say "this resource has no deployment of that name". */
const NOT_FOUND_CODES = new Set(['DeploymentNotFound']);

/** True when a 404 on a named deployment is worth reading the body for (to see whether the deployment is missing). */
export function mayBeDeploymentNotFound(status: number, deployment: string): boolean {
  return status === 404 && deployment !== ANY_DEPLOYMENT;
}

export function observe(h: BackendHealth, o: Outcome, at: Observation): Verdict {
  switch (o.kind) {
    case 'credential':
      h.setCredential(o.state, o.reason);
      return o.state === 'ok' ? RELAY : { failover: true, reason: o.reason ?? o.state };
    case 'transport': {
      if (at.source === 'probe') h.probed(at.now);
      const reason = at.source === 'probe' ? `probe: ${o.message}` : o.message;
      h.failed(reason, at.now, o.failure === 'connect');
      return { failover: true, reason: o.message };
    }
    default:
      return at.source === 'probe' ? probeAnswer(h, o, at) : requestAnswer(h, o, at);
  }
}

function requestAnswer(h: BackendHealth, o: Extract<Outcome, { kind: 'answer' }>, at: Observation): Verdict {
  const { status, headers } = o;
  h.countResponse(at.deployment, status, Math.round(o.latencyMs));
  h.rateHeaders(parseRemaining(headers['x-ratelimit-remaining-requests']), parseRemaining(headers['x-ratelimit-remaining-tokens']));
  if (status < 400) {
    h.succeeded(at.deployment, at.now);
    return RELAY;
  }
  if (status === 429) {
    const d = throttleDelay(headers, at.now, at.cooldown.defaultSec * 1000, at.cooldown.maxSec * 1000);
    const what = at.deployment === ANY_DEPLOYMENT ? 'the backend' : at.deployment;
    h.throttle(at.deployment, at.now + d.ms, `429 on ${what}, resting ${Math.ceil(d.ms / 1000)} s (${d.source})`);
    return { failover: true, reason: 'HTTP 429', rest: d };
  }
  if (status === 401 || status === 403) {
    h.misconfigured(`${status}: ${status === 401 ? 'the backend refused our credential' : 'our credential lacks access (for Entra: the "Cognitive Services OpenAI User" role)'}`, at.now);
    return { failover: true, reason: `HTTP ${status}` };
  }
  if (status === 408 || status >= 500) {
    h.failed(`HTTP ${status}`, at.now, false);
    return { failover: true, reason: `HTTP ${status}` };
  }
  if (status === 404 && o.errorCode !== undefined && NOT_FOUND_CODES.has(o.errorCode) && at.deployment !== ANY_DEPLOYMENT) {
    h.answered();
    h.deploymentNotFound(at.deployment, at.now);
    return { failover: true, reason: `HTTP 404 ${o.errorCode}` };
  }
  h.answered();
  return RELAY;
}

function probeAnswer(h: BackendHealth, o: Extract<Outcome, { kind: 'answer' }>, at: Observation): Verdict {
  const s = o.status;
  h.probed(at.now);
  if (s < 400) h.succeeded(ANY_DEPLOYMENT, at.now);
  else if (s === 401 || s === 403) h.misconfigured(`${s}: probe: ${s === 401 ? 'the backend refused our credential' : 'our credential lacks access'}`, at.now);
  else if (s === 404) h.misconfigured('404: probe: no Azure OpenAI API at this endpoint', at.now);
  else if (s === 408 || s >= 500) h.failed(`probe: HTTP ${s}`, at.now, false);
  return RELAY;
}
