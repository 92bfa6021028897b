import { describe, expect, it } from 'vitest';
import type { BackendSnapshot } from '../../../src/core';
import { INITIAL_STATE, healthCount, statusBarModel, type PoolState } from '../../../src/core/view';

const b = (name: string, status: BackendSnapshot['status'], enabled = true) => ({ name, status, enabled }) as BackendSnapshot;
const three = [b('a', 'healthy'), b('b', 'healthy'), b('c', 'cooling')];
const running: PoolState = { ...INITIAL_STATE, status: 'running', url: 'http://127.0.0.1:8787', port: 8787 };

describe('statusBarModel', () => {
  it('shows port and healthy/total while running', () => {
    const m = statusBarModel(running, three);
    expect(m.text).toBe('$(pulse) AOAI Pool :8787 2/3');
    expect(m.tooltipMarkdown).toContain('`http://127.0.0.1:8787`');
    expect(m.backgroundColorId).toBeUndefined();
  });

  it('does not count disabled backends as down', () => {
    expect(healthCount([b('a', 'healthy'), b('b', 'disabled', false)])).toEqual({ healthy: 1, total: 1 });
  });

  it('warns when nothing is healthy', () => {
    expect(statusBarModel(running, [b('a', 'unhealthy')]).backgroundColorId).toBe('statusBarItem.warningBackground');
  });

  it('marks the simulated demo', () => {
    expect(statusBarModel({ ...running, simulated: true }, three).text).toBe('$(pulse) AOAI Pool :8787 2/3 (simulated)');
  });

  it.each([
    ['stopped', '$(circle-slash) AOAI Pool'],
    ['starting', '$(sync~spin) AOAI Pool'],
    ['failed', '$(error) AOAI Pool'],
  ] as const)('%s', (status, text) => {
    expect(statusBarModel({ ...INITIAL_STATE, status, lastError: 'port 8787 is in use' }, []).text).toBe(text);
  });

  it('shows another window pool and settings problems', () => {
    expect(statusBarModel({ ...running, status: 'elsewhere' }, []).text).toBe('$(pulse) AOAI Pool :8787 (other window)');
    const m = statusBarModel({ ...running, configErrors: [{ path: 'port', message: 'bad' }] }, three);
    expect(m.text).toBe('$(pulse) AOAI Pool :8787 2/3 $(warning)');
    expect(m.tooltipMarkdown).toContain('1 problem in settings: the last good pool keeps serving');
  });

  it('says why a start failed', () => {
    const m = statusBarModel({ ...INITIAL_STATE, status: 'failed', lastError: 'port 8787 on 127.0.0.1 is already in use' }, []);
    expect(m.tooltipMarkdown).toContain('already in use');
    expect(m.backgroundColorId).toBe('statusBarItem.errorBackground');
  });
});
