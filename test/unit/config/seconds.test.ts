// Timeouts and the queue wait in seconds (issue 13, item 12), and the former
// millisecond names, which a config file written before still uses.
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE, DEFAULT_TIMEOUTS, RENAMED_OPTIONS, formatIssue, validateConfig } from '../../../src/core/config';

const backends = [{ name: 'a', endpoint: 'https://a.openai.azure.com' }];

const check = (raw: object) => {
  const r = validateConfig({ backends, ...raw });
  return { ...r, text: [...(r.ok ? [] : r.errors), ...r.warnings].map(formatIssue) };
};

describe('timeouts and the queue wait in seconds', () => {
  it('become the runtime\'s milliseconds, fractions included', () => {
    const r = check({ timeouts: { connectSec: 2.5, headersSec: 0.3, streamHeadersSec: 90, idleSec: 0.1, requestSec: 1 }, queue: { maxWaitSec: 0.25 } });
    expect(r.ok && r.config.timeouts).toEqual({ connectMs: 2500, headersMs: 300, streamHeadersMs: 90_000, idleMs: 100, requestMs: 1000 });
    expect(r.ok && r.config.queue.maxWaitMs).toBe(250);
    expect(r.warnings).toEqual([]);
  });

  it('default to the same durations as before', () => {
    const r = check({});
    expect(r.ok && r.config.timeouts).toEqual(DEFAULT_TIMEOUTS);
    expect(r.ok && r.config.queue).toEqual(DEFAULT_QUEUE);
    expect(DEFAULT_TIMEOUTS).toEqual({ connectMs: 10_000, headersMs: 600_000, streamHeadersMs: 120_000, idleMs: 120_000, requestMs: 60_000 });
    expect(DEFAULT_QUEUE.maxWaitMs).toBe(5000);
  });

  it('keep the former ranges, said in seconds', () => {
    const r = check({ timeouts: { connectSec: 0.05, requestSec: 0.5, idleSec: 3601 }, queue: { maxWaitSec: 601 } });
    expect(r.ok).toBe(false);
    expect(r.text).toEqual(expect.arrayContaining([
      'timeouts.connectSec: must be a number of seconds 0.1-120 (fractions allowed, e.g. 0.5) (got 0.05)',
      'timeouts.requestSec: must be a number of seconds 1-3600 (fractions allowed, e.g. 0.5) (got 0.5)',
      'timeouts.idleSec: must be a number of seconds 0.1-3600 (fractions allowed, e.g. 0.5) (got 3601)',
      'queue.maxWaitSec: must be a number of seconds 0-600 (fractions allowed, e.g. 0.5) (got 601)',
    ]));
  });

  it('do not suggest a former name for a typo', () => {
    const r = check({ timeouts: { connectSecs: 3 } });
    expect(r.text).toEqual(['timeouts.connectSecs: unknown field; did you mean "connectSec"? (known fields: connectSec, headersSec, streamHeadersSec, idleSec, requestSec)']);
  });
});

describe('the former millisecond names', () => {
  it('are the five timeouts and the queue wait, each renamed to ...Sec', () => {
    expect(RENAMED_OPTIONS.map((o) => `${o.old} -> ${o.now}`)).toEqual([
      'timeouts.connectMs -> timeouts.connectSec', 'timeouts.headersMs -> timeouts.headersSec', 'timeouts.streamHeadersMs -> timeouts.streamHeadersSec',
      'timeouts.idleMs -> timeouts.idleSec', 'timeouts.requestMs -> timeouts.requestSec', 'queue.maxWaitMs -> queue.maxWaitSec',
    ]);
  });

  it('still work, with a warning that names the new option and the converted value', () => {
    const r = check({ timeouts: { connectMs: 7000, idleMs: 250 }, queue: { maxWaitMs: 1500 } });
    expect(r.ok && r.config.timeouts).toMatchObject({ connectMs: 7000, idleMs: 250, headersMs: DEFAULT_TIMEOUTS.headersMs });
    expect(r.ok && r.config.queue.maxWaitMs).toBe(1500);
    expect(r.text).toEqual([
      'timeouts.connectMs: is deprecated: write timeouts.connectSec = 7 (seconds) instead; 7000 ms applies until then',
      'timeouts.idleMs: is deprecated: write timeouts.idleSec = 0.25 (seconds) instead; 250 ms applies until then',
      'queue.maxWaitMs: is deprecated: write queue.maxWaitSec = 1.5 (seconds) instead; 1500 ms applies until then',
    ]);
  });

  it('lose to the new name when both are set, with a warning', () => {
    const r = check({ timeouts: { connectMs: 7000, connectSec: 3 } });
    expect(r.ok && r.config.timeouts.connectMs).toBe(3000);
    expect(r.text).toEqual(['timeouts.connectMs: ignored: timeouts.connectSec is also set and wins (3 s); remove timeouts.connectMs']);
  });

  it('are checked in their own unit and range', () => {
    const r = check({ timeouts: { connectMs: 50, requestMs: 1.5 } });
    expect(r.ok).toBe(false);
    expect(r.text).toEqual([
      'timeouts.connectMs: must be an integer number of milliseconds 100-120000 (or use timeouts.connectSec, in seconds) (got 50)',
      'timeouts.requestMs: must be an integer number of milliseconds 1000-3600000 (or use timeouts.requestSec, in seconds) (got 1.5)',
    ]);
  });
});
