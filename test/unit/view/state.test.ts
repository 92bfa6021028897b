import { describe, expect, it } from 'vitest';
import type { BackendSnapshot } from '../../../src/core';
import { INITIAL_STATE, healthCount, statusBarModel, statusBarRedrawAt, type PoolState } from '../../../src/core/view';

const NOW = 1_700_000_000_000;
const b = (name: string, status: BackendSnapshot['status'], enabled = true, deployments: BackendSnapshot['deployments'] = []) =>
  ({ name, status, enabled, deployments, cooldownUntil: 0, ejectedUntil: 0 }) as unknown as BackendSnapshot;
const dep = (alias: string, status: BackendSnapshot['deployments'][number]['status'], cooldownUntil = 0) =>
  ({ alias, deployment: alias, status, cooldownUntil, lastStatus: undefined, requests: 0 });
const three = [b('a', 'healthy'), b('b', 'healthy'), b('c', 'cooling')];
const running: PoolState = { ...INITIAL_STATE, status: 'running', url: 'http://127.0.0.1:8787', port: 8787 };

describe('statusBarModel', () => {
  it('shows port and healthy/total while running', () => {
    const m = statusBarModel(running, three);
    // 2/3 looks different from 3/3: another icon and a warning background (issue 13, item 8).
    expect(m.text).toBe('$(warning) AOAI Pool :8787 2/3');
    expect(m.tooltipMarkdown).toContain('`http://127.0.0.1:8787`');
    expect(m.backgroundColorId).toBe('statusBarItem.warningBackground');
    const all = statusBarModel(running, [b('a', 'healthy'), b('b', 'healthy')]);
    expect(all.text).toBe('$(pulse) AOAI Pool :8787 2/2');
    expect(all.backgroundColorId).toBeUndefined();
  });

  it('does not count disabled backends as down', () => {
    expect(healthCount([b('a', 'healthy'), b('b', 'disabled', false)])).toEqual({ healthy: 1, degraded: 0, unknown: 0, total: 1 });
  });

  it('does not count a backend with a throttled or missing deployment as fully healthy', () => {
    const partly = b('a', 'healthy', true, [dep('gpt-4o', 'cooling', NOW + 5_000), dep('mini', 'healthy')]);
    const missing = b('b', 'healthy', true, [dep('gpt-4o', 'misconfigured'), dep('mini', 'healthy')]);
    const whole = b('c', 'healthy', true, [dep('gpt-4o', 'healthy'), dep('mini', 'healthy')]);
    expect(healthCount([partly, missing, whole], NOW)).toEqual({ healthy: 1, degraded: 2, unknown: 0, total: 3 });
    const m = statusBarModel(running, [partly, missing, whole], NOW);
    expect(m.text).toBe('$(warning) AOAI Pool :8787 1/3');
    expect(m.tooltipMarkdown).toContain('2 serving with deployments throttled or missing');
    // Once the cooldown is over, it counts again.
    expect(healthCount([partly], NOW + 6_000).healthy).toBe(1);
    expect(statusBarRedrawAt([partly, whole], NOW)).toBe(NOW + 5_000);
    expect(statusBarRedrawAt([whole], NOW)).toBeUndefined();
  });

  it('warns when nothing is healthy, but not while nothing has been checked yet', () => {
    expect(statusBarModel(running, [b('a', 'unhealthy')]).backgroundColorId).toBe('statusBarItem.warningBackground');
    expect(statusBarModel(running, [b('a', 'unknown'), b('b', 'unhealthy')]).backgroundColorId).toBe('statusBarItem.warningBackground');
    const fresh = statusBarModel(running, [b('a', 'unknown'), b('b', 'unknown')]);
    expect(fresh.text).toBe('$(pulse) AOAI Pool :8787 0/2');
    expect(fresh.backgroundColorId).toBeUndefined();
    expect(fresh.tooltipMarkdown).toContain('2 not checked yet');
  });

  it('marks the simulated demo', () => {
    expect(statusBarModel({ ...running, simulated: true }, three).text).toBe('$(warning) AOAI Pool :8787 2/3 (simulated)');
  });

  it.each([
    ['stopped', '$(circle-slash) AOAI Pool'],
    ['starting', '$(sync~spin) AOAI Pool'],
    ['failed', '$(error) AOAI Pool'],
  ] as const)('%s', (status, text) => {
    expect(statusBarModel({ ...INITIAL_STATE, status, lastError: 'port 8787 is in use' }, []).text).toBe(text);
  });

  it('shows another window pool live (its counts), says so once in the tooltip, and settings problems', () => {
    const other = statusBarModel({ ...running, status: 'elsewhere' }, three);
    expect(other.text).toBe('$(warning) AOAI Pool :8787 2/3');
    expect(other.tooltipMarkdown).toContain('**AOAI Pool** of another VS Code window serves `http://127.0.0.1:8787`');
    expect(other.tooltipMarkdown).toContain('2 of 3 backends healthy');
    expect(other.tooltipMarkdown).toContain('takes the port over when that window closes');
    expect(other.tooltipMarkdown.match(/another VS Code window/g)).toHaveLength(1);
    const m = statusBarModel({ ...running, configErrors: [{ path: 'port', message: 'bad' }] }, three);
    expect(m.text).toBe('$(warning) AOAI Pool :8787 2/3 $(warning)');
    expect(m.tooltipMarkdown).toContain('1 problem in settings: the last good pool keeps serving');
  });

  it('says why a start failed', () => {
    const m = statusBarModel({ ...INITIAL_STATE, status: 'failed', lastError: 'port 8787 on 127.0.0.1 is already in use' }, []);
    expect(m.tooltipMarkdown).toContain('already in use');
    expect(m.backgroundColorId).toBe('statusBarItem.errorBackground');
  });
});
