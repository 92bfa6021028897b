import { describe, expect, it } from 'vitest';
import { escapeMarkdown, formatAgo, formatCount, formatCountdown, formatLatency, truncate } from '../../../src/core/view';

describe('formatCountdown', () => {
  it.each([
    [0, '0s'],
    [1, '1s'],
    [999, '1s'],
    [12_000, '12s'],
    [59_001, '1m 00s'],
    [65_000, '1m 05s'],
    [3_600_000, '1h 00m'],
    [3_720_000, '1h 02m'],
    [-5, '0s'],
  ])('%i ms -> %s', (ms, text) => expect(formatCountdown(ms)).toBe(text));
});

describe('small formatters', () => {
  it('counts compactly', () => {
    expect([950, 1000, 9_500, 12_500, 118_400, 2_100_000].map(formatCount)).toEqual(['950', '1k', '9.5k', '13k', '118k', '2.1M']);
  });

  it('says how long ago', () => {
    expect(formatAgo(1000, 3000)).toBe('just now');
    expect(formatAgo(0, 42_000)).toBe('42s ago');
    expect(formatAgo(0, 180_000)).toBe('3m ago');
    expect(formatAgo(0, 7_300_000)).toBe('2h ago');
  });

  it('formats latency', () => {
    expect(formatLatency(undefined)).toBeUndefined();
    expect(formatLatency(230.4)).toBe('230 ms');
    expect(formatLatency(1500)).toBe('1.5 s');
    expect(formatLatency(2000)).toBe('2 s');
  });

  it('truncates to one line', () => {
    expect(truncate('a\n  b', 10)).toBe('a b');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
  });

  it('escapes markdown so upstream text cannot become a link', () => {
    expect(escapeMarkdown('[click](https://evil)')).toBe('\\[click\\]\\(https://evil\\)');
    expect(escapeMarkdown('**x** `y`')).toBe('\\*\\*x\\*\\* \\`y\\`');
  });
});
