import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateEvents, STATE_EVENT_WINDOW_MS } from '../../../src/core/proxy/stateEvents';
import type { BackendSnapshot } from '../../../src/core/balancer/health';

afterEach(() => {
  vi.useRealTimers();
});

function setup(listening = true) {
  vi.useFakeTimers();
  vi.setSystemTime(1_700_000_000_000);
  const built: string[] = [];
  const sent: string[] = [];
  let version = 0;
  const ev = new StateEvents(
    () => listening,
    (name) => {
      built.push(name);
      return { name, requests: version } as unknown as BackendSnapshot;
    },
    (s) => sent.push(`${s.name}@${s.requests}`),
  );
  return { ev, built, sent, bump: () => version++ };
}

describe('StateEvents: snapshots at a pace views can use', () => {
  it('sends a status change at once, and counters once per window with the state of then', () => {
    const { ev, sent, bump } = setup();
    ev.changed('a', 'status');
    expect(sent).toEqual(['a@0']);
    for (let i = 0; i < 1_000; i++) {
      bump();
      ev.changed('a', 'counters');
    }
    expect(sent).toEqual(['a@0']);
    vi.advanceTimersByTime(STATE_EVENT_WINDOW_MS);
    expect(sent).toEqual(['a@0', 'a@1000']);
  });

  it('a status change inside the window waits for its end; other backends are not held up', () => {
    const { ev, sent } = setup();
    ev.changed('a', 'status');
    ev.changed('a', 'status');
    ev.changed('b', 'status');
    expect(sent).toEqual(['a@0', 'b@0']);
    vi.advanceTimersByTime(STATE_EVENT_WINDOW_MS);
    expect(sent).toEqual(['a@0', 'b@0', 'a@0']);
    vi.advanceTimersByTime(STATE_EVENT_WINDOW_MS * 4);
    expect(sent).toHaveLength(3);
    ev.changed('a', 'status');
    expect(sent).toHaveLength(4); // the window is over: at once again
  });

  it('builds no snapshot while nobody listens, and nothing after close', () => {
    const quiet = setup(false);
    for (let i = 0; i < 100; i++) quiet.ev.changed('a', i % 2 ? 'status' : 'counters');
    vi.advanceTimersByTime(STATE_EVENT_WINDOW_MS * 2);
    expect(quiet.built).toEqual([]);
    vi.useRealTimers();
    const { ev, sent } = setup();
    ev.changed('a', 'counters');
    ev.close();
    vi.advanceTimersByTime(STATE_EVENT_WINDOW_MS * 2);
    expect(sent).toEqual([]);
  });
});
