/**
 * Approval of backends that come from workspace settings (issue 9). A cloned
 * repository's `.vscode/settings.json` can set `aoaiPool.backends`; in a
 * trusted workspace VS Code applies it over the user's own list. Such
 * backends get no credential, no request and no probe until the user approves
 * them once for that workspace. Pure: what needs approval, the fingerprints
 * approvals are remembered by, and the prompt's text.
 */
import { createHash } from 'node:crypto';
import type { AuthKind, BackendConfig } from '../config/types';

/** What decides where credentials go: a backend's name, endpoint (origin) and auth. Weights or deployments do not. */
export interface BackendIdentity {
  name: string;
  endpoint: string;
  auth: AuthKind;
}

/** The identity of a raw settings entry, normalised as validateConfig does; undefined when it is not a usable entry. */
export function rawIdentity(raw: unknown): BackendIdentity | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { name?: unknown; endpoint?: unknown; auth?: unknown };
  if (typeof r.name !== 'string' || typeof r.endpoint !== 'string') return undefined;
  let endpoint: string;
  try {
    endpoint = new URL(r.endpoint).origin;
  } catch {
    return undefined;
  }
  return { name: r.name, endpoint, auth: r.auth === 'entra' ? 'entra' : 'apiKey' };
}

export function configIdentity(b: BackendConfig): BackendIdentity {
  return { name: b.name, endpoint: b.endpoint, auth: b.auth };
}

/**
 * The fingerprint approvals are stored by: a hash of the exact identity, so a
 * changed endpoint, name or auth is a new backend that asks again.
 */
export function identityFingerprint(id: BackendIdentity): string {
  return createHash('sha256').update(JSON.stringify([id.name, id.endpoint, id.auth])).digest('hex');
}

/** One fingerprint for a set of identities, in any order (to ask once per distinct set per session). */
export function setFingerprint(ids: readonly BackendIdentity[]): string {
  return createHash('sha256').update(JSON.stringify(ids.map(identityFingerprint).sort())).digest('hex');
}

/** Fingerprints of the user's own backends (`inspect('backends').globalValue`). */
export function userFingerprints(userList: readonly unknown[] | undefined): Set<string> {
  return new Set((userList ?? []).map(rawIdentity).filter((x) => x !== undefined).map(identityFingerprint));
}

/**
 * Which of the pool's backends wait for approval: every one that is not
 * exactly (name, endpoint, auth) one of the user's own backends and has not
 * been approved in this workspace. In an untrusted workspace VS Code's value is
 * the user's list, so nothing waits; in a trusted one the workspace's list
 * replaces it, and its new entries wait. An entry identical to a user backend
 * sends nothing anywhere the user's settings do not already.
 */
export function pendingApproval(pool: readonly BackendIdentity[], user: ReadonlySet<string>, approved: ReadonlySet<string>): BackendIdentity[] {
  const seen = new Set<string>();
  const out: BackendIdentity[] = [];
  for (const id of pool) {
    const fp = identityFingerprint(id);
    if (user.has(fp) || approved.has(fp) || seen.has(fp)) continue;
    seen.add(fp);
    out.push(id);
  }
  return out;
}

/** How many approvals a workspace remembers; the oldest go first. */
export const APPROVALS_KEPT = 200;

/** The stored list after approving `ids` (newest last, bounded). */
export function rememberApprovals(stored: readonly string[], ids: readonly BackendIdentity[]): string[] {
  const add = ids.map(identityFingerprint);
  return [...stored.filter((fp) => !add.includes(fp)), ...add].slice(-APPROVALS_KEPT);
}

/** The modal prompt: what the workspace asks for, and what approving means. */
export function approvalPrompt(ids: readonly BackendIdentity[]): { message: string; detail: string; approve: string } {
  const n = ids.length;
  const lines = ids.map((id) => `• ${id.name}: ${id.endpoint} (${id.auth === 'entra' ? 'Entra ID: gets your Microsoft sign-in token' : 'API key'})`);
  return {
    message: `This workspace's settings define ${n === 1 ? 'an AOAI Pool backend' : `${n} AOAI Pool backends`} not in your User settings. Use ${n === 1 ? 'it' : 'them'}?`,
    detail: [
      ...lines,
      '',
      'Until you approve, the pool sends nothing to them: no request, no probe, no API key, no token.',
      'Approve only endpoints you know: a backend with "auth": "entra" receives your Azure token.',
      'API keys are bound to the endpoint they were entered for, so these never receive a key you set for another endpoint.',
    ].join('\n'),
    approve: n === 1 ? 'Use This Backend' : 'Use These Backends',
  };
}

/** The tree's reason for a backend that waits (the command is the inline action). */
export const AWAITING_APPROVAL_REASON =
  'defined in this workspace\'s settings and not approved yet: nothing is sent to it; run "AOAI Pool: Review Workspace Backends" to approve it';
