/**
 * A deployment's quota in a few words for its sidebar row (issue 10):
 * "18k/30k TPM left · 2 queued (9.1k tok)". Pure; `/_pool/health` has the
 * numbers themselves.
 */
import type { DeploymentQuota } from '../balancer/healthTypes';
import { formatCount } from './format';

/** Undefined when nothing is known about the deployment's quota and nothing waits. */
export function quotaText(q: DeploymentQuota | undefined): string | undefined {
  if (!q) return undefined;
  const parts: string[] = [];
  if (q.limitTokens !== undefined) {
    parts.push(q.remainingTokens !== undefined ? `${formatCount(q.remainingTokens)}/${formatCount(q.limitTokens)} TPM left` : `${formatCount(q.limitTokens)} TPM`);
  }
  if (q.queued > 0) parts.push(`${q.queued} queued (${formatCount(q.queuedTokens)} tok)`);
  return parts.length ? parts.join(' · ') : undefined;
}
