import { describe, expect, it } from 'vitest';
import type { BackendSnapshot } from '../../../src/core';
import { deploymentItem } from '../../../src/core/view';
import { quotaText } from '../../../src/core/view/quota';

const q = { limitTokens: 30_000, limitRequests: 180, remainingTokens: 18_000, remainingRequests: 170, queued: 0, queuedTokens: 0 };

describe('quotaText (a deployment row\'s quota)', () => {
  it('shows what remains of the limit, and what waits', () => {
    expect(quotaText(q)).toBe('18k/30k TPM left');
    expect(quotaText({ ...q, queued: 2, queuedTokens: 9100 })).toBe('18k/30k TPM left · 2 queued (9.1k tok)');
  });

  it('shows the limit alone before the pool has counted, and nothing when nothing is known', () => {
    expect(quotaText({ ...q, remainingTokens: undefined })).toBe('30k TPM');
    expect(quotaText({ ...q, limitTokens: undefined, remainingTokens: undefined })).toBeUndefined();
    expect(quotaText({ ...q, limitTokens: undefined, queued: 1, queuedTokens: 500 })).toBe('1 queued (500 tok)');
    expect(quotaText(undefined)).toBeUndefined();
  });
});

describe('a deployment row with quota routing', () => {
  const d = { alias: 'gpt-4o', deployment: 'gpt-4o', status: 'healthy' as const, cooldownUntil: 0, lastStatus: 200, requests: 3, quota: { ...q, queued: 1, queuedTokens: 4100 } };
  const s = { name: 'eastus', status: 'healthy', deployments: [d] } as unknown as BackendSnapshot;

  it('shows the quota while the proxy runs, not from a stopped proxy\'s stale numbers', () => {
    expect(deploymentItem(d, s, { now: 0, running: true, hasKey: true }).description).toBe('3 requests · 18k/30k TPM left · 1 queued (4.1k tok)');
    expect(deploymentItem(d, s, { now: 0, running: false, hasKey: true }).description).not.toContain('TPM');
  });
});
