import { describe, expect, it, vi } from 'vitest';
import { chargeKind, DEFAULT_COUNT_UP_TO_CHARS, DEFAULT_MAX_TOKENS, estimateCharge, PARSE_UP_TO_BYTES } from '../../../src/core/balancer/estimate';
import { admissionCharge } from '../../../src/core/simulator/charge';

const chat = (content: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ messages: [{ role: 'user', content }], ...extra });

describe('estimateCharge', () => {
  it('knows which paths generate, which only read a prompt, and which spend requests only', () => {
    expect(chargeKind('/openai/deployments/d/chat/completions?api-version=2024-10-21')).toBe('completion');
    expect(chargeKind('/openai/v1/responses')).toBe('completion');
    expect(chargeKind('/openai/deployments/d/completions')).toBe('completion');
    expect(chargeKind('/openai/v1/embeddings')).toBe('prompt');
    expect(chargeKind('/openai/deployments/d/images/generations')).toBe('none');
    // One trailing slash, and only the path before the query, count.
    expect(chargeKind('/openai/v1/embeddings/?x=1')).toBe('prompt');
    expect(chargeKind('/openai/deployments/d/chat/completions/')).toBe('completion');
    expect(chargeKind('/openai/deployments/d/images/generations?next=/chat/completions')).toBe('none');
    expect(chargeKind('/openai/v1/embeddings//')).toBe('none');
    expect(chargeKind('/openai/deployments/d/chat/xcompletions')).toBe('none');
    expect(chargeKind('')).toBe('none');
    expect(estimateCharge('none', { json: chat('x') })).toEqual({ prompt: 0, completion: 0, total: 0, method: 'none' });
  });

  it('is prompt characters / 4 plus the allowance, preferring max_completion_tokens over max_tokens', () => {
    expect(estimateCharge('completion', { json: chat('x'.repeat(396), { max_tokens: 800 }) })).toEqual({ prompt: 100, completion: 800, total: 900, method: 'chars' });
    expect(estimateCharge('completion', { json: chat('abcd', { max_tokens: 800, max_completion_tokens: 50 }) }).completion).toBe(50);
    expect(estimateCharge('completion', { json: { input: 'abcd', max_output_tokens: 30 } }).completion).toBe(30);
  });

  it('uses the default allowance when none is named, and the caller can set it (deployment maxOutputTokens)', () => {
    expect(estimateCharge('completion', { json: chat('abcd') }).completion).toBe(DEFAULT_MAX_TOKENS);
    expect(estimateCharge('completion', { json: chat('abcd') }, { defaultMaxTokens: 16384 }).completion).toBe(16384);
  });

  it('multiplies the allowance by n or best_of, whichever is larger; ignores nonsense values', () => {
    expect(estimateCharge('completion', { json: chat('abcd', { max_tokens: 100, n: 3 }) }).completion).toBe(300);
    expect(estimateCharge('completion', { json: { prompt: 'abcd', max_tokens: 100, n: 2, best_of: 4 } }).completion).toBe(400);
    expect(estimateCharge('completion', { json: chat('abcd', { max_tokens: -5, n: 'x' }) }).completion).toBe(DEFAULT_MAX_TOKENS);
  });

  it('charges embeddings their input only', () => {
    expect(estimateCharge('prompt', { json: { input: ['abcd', 'efgh'] } })).toEqual({ prompt: 2, completion: 0, total: 2, method: 'chars' });
  });

  it('parses the raw body when no stage did, and sizes a body that is not JSON by its bytes', () => {
    const body = Buffer.from(JSON.stringify(chat('x'.repeat(396), { max_tokens: 10 })));
    expect(estimateCharge('completion', { body })).toMatchObject({ prompt: 100, total: 110, method: 'chars' });
    expect(estimateCharge('completion', { body: Buffer.from('not json at all!') })).toMatchObject({ prompt: 4, completion: DEFAULT_MAX_TOKENS, method: 'bytes' });
  });

  it('counts small prompts with the tokenizer and keeps the larger of the two counts', () => {
    const many = vi.fn(() => 500);
    expect(estimateCharge('completion', { json: chat('x'.repeat(396), { max_tokens: 1 }) }, { countTokens: many })).toMatchObject({ prompt: 500, method: 'tokenizer' });
    expect(many).toHaveBeenCalledWith('user\n' + 'x'.repeat(396));
    // A tokenizer that counts fewer than Azure's character estimate never lowers it.
    expect(estimateCharge('completion', { json: chat('x'.repeat(396), { max_tokens: 1 }) }, { countTokens: () => 3 }).prompt).toBe(100);
  });

  it('never runs the tokenizer past the cut-off: large prompts cost one walk of the parsed body', () => {
    const counter = vi.fn(() => 1);
    const big = estimateCharge('completion', { json: chat('y'.repeat(200 * 1024), { max_tokens: 1 }) }, { countTokens: counter });
    expect(counter).not.toHaveBeenCalled();
    expect(big).toMatchObject({ prompt: Math.ceil((200 * 1024 + 4) / 4), method: 'chars' });
    estimateCharge('completion', { json: chat('y'.repeat(DEFAULT_COUNT_UP_TO_CHARS - 4)) }, { countTokens: counter });
    expect(counter).toHaveBeenCalledTimes(1);
  });

  it('does not parse a large raw body: bytes / 4 and a key scan that skips keys inside strings', () => {
    const b = chat(`say "max_tokens": 99999 and "n": 50 please ${'z'.repeat(40_000)}`, { max_tokens: 700, n: 2 });
    const raw = Buffer.from(JSON.stringify(b));
    expect(raw.length).toBeGreaterThan(PARSE_UP_TO_BYTES);
    const e = estimateCharge('completion', { body: raw });
    expect(e).toMatchObject({ method: 'bytes', prompt: Math.ceil(raw.length / 4), completion: 1400 });
    expect(e.total).toBeGreaterThanOrEqual(admissionCharge('chat', b).total);
    // A nested key can only make the estimate larger.
    const nested = Buffer.from(JSON.stringify({ ...b, tools: [{ type: 'function', function: { name: 'f', parameters: { max_tokens: 3000 } } }] }));
    expect(estimateCharge('completion', { body: nested }).completion).toBe(6000);
  });

  it('finds each allowance key of a large raw body in its pass, with the same precedence as a parsed body', () => {
    const pad = 'z'.repeat(PARSE_UP_TO_BYTES);
    const raw = (o: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(chat(pad, o)));
    expect(estimateCharge('completion', { body: raw({ max_tokens: 800, max_completion_tokens: 50 }) }).completion).toBe(50);
    expect(estimateCharge('completion', { body: raw({ max_output_tokens: 30, max_tokens: 800 }) }).completion).toBe(800);
    expect(estimateCharge('completion', { body: raw({ max_output_tokens: 30 }) }).completion).toBe(30);
    expect(estimateCharge('completion', { body: raw({ max_tokens: 7, best_of: 3, n: 2 }) }).completion).toBe(21);
    // Keys that only start like one are not it; whitespace around the colon is JSON too.
    expect(estimateCharge('completion', { body: raw({ max_tokens_x: 900, max_: 900, max_completion_tokensx: 900, nn: 9 }) }).completion).toBe(DEFAULT_MAX_TOKENS);
    const spaced = Buffer.from(`{"messages":[{"role":"user","content":"${pad}"}], "max_completion_tokens" :\n 12 , "n"\t: 2}`);
    expect(estimateCharge('completion', { body: spaced }).completion).toBe(24);
    // A key at the very end of the body, cut before its value: no value, no crash.
    expect(estimateCharge('completion', { body: Buffer.from(`{"x":"${pad}","max_tokens`) }).completion).toBe(DEFAULT_MAX_TOKENS);
  });

  it('never estimates below what the simulated Azure charges for the same body', () => {
    const bodies = [
      chat('hello', { max_tokens: 7 }),
      { messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'x'.repeat(999) }] }], n: 2, max_completion_tokens: 33 },
      { prompt: ['a', 'bb'], best_of: 3, max_tokens: 5 },
      { input: 'q'.repeat(123), instructions: 'z', max_output_tokens: 9 },
    ];
    for (const b of bodies) {
      const op = 'messages' in b ? 'chat' : 'prompt' in b ? 'completions' : 'responses';
      expect(estimateCharge('completion', { json: b }).total).toBe(admissionCharge(op, b).total);
      expect(estimateCharge('completion', { body: Buffer.from(JSON.stringify(b)) }).total).toBe(admissionCharge(op, b).total);
    }
  });
});
