import { describe, expect, it } from 'vitest';
import { formatIssue, validateConfig } from '../../../src/core/config';

const backends = [{ name: 'a', endpoint: 'https://a.openai.azure.com' }];

describe('routing and queue settings (issue 10)', () => {
  it('default to quota routing with a 5 s queue', () => {
    const r = validateConfig({ backends });
    expect(r.ok && r.config).toMatchObject({ routing: 'quota', queue: { maxWaitMs: 5000, maxLength: 1000, maxMB: 64 }, quotaMinuteMs: 60_000 });
  });

  it('keep what the user wrote', () => {
    const r = validateConfig({ backends, routing: 'roundRobin', queue: { maxWaitSec: 0 } });
    expect(r.ok && r.config).toMatchObject({ routing: 'roundRobin', queue: { maxWaitMs: 0, maxLength: 1000 } });
  });

  it('say what is wrong and what is expected', () => {
    const r = validateConfig({ backends, routing: 'fastest', queue: { maxWaitSec: -1, size: 3 } });
    expect(r.ok).toBe(false);
    const text = r.ok ? '' : r.errors.map(formatIssue).join('\n');
    expect(text).toContain('routing: must be one of "quota", "roundRobin"');
    expect(text).toContain('queue.maxWaitSec: must be a number of seconds 0-600 (fractions allowed, e.g. 0.5)');
    expect(text).toMatch(/queue.*size/);
  });
});
