import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { anyEncodingLoaded, countTokens, encodingForModel, isEncodingLoaded } from '../../../src/core/tokens';
import { CountCache } from '../../../src/core/tokens/cache';
import { countMessageTokens, IMAGE_TOKENS, MESSAGE_OVERHEAD_TOKENS } from '../../../src/core/lm';

describe('tokenizer choice by model family', () => {
  it('uses o200k_base for gpt-4o, 4.1, 4.5, gpt-5, the o-series, codex and unknown names', () => {
    for (const m of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-nano', 'gpt-4.5-preview', 'gpt-5', 'gpt-5.1-chat', 'o1', 'o3-mini', 'o4-mini', 'gpt-oss-120b', 'prod-gpt-4o', 'my-deployment', undefined]) {
      expect(encodingForModel(m), String(m)).toBe('o200k_base');
    }
  });

  it('uses cl100k_base for gpt-4, gpt-4 turbo, gpt-35-turbo and text-embedding models', () => {
    for (const m of ['gpt-4', 'gpt-4-turbo', 'gpt-4-32k', 'gpt-35-turbo', 'gpt-3.5-turbo-16k', 'text-embedding-3-small', 'team-gpt-35-turbo']) {
      expect(encodingForModel(m), m).toBe('cl100k_base');
    }
  });
});

describe('countTokens', () => {
  it('loads an encoding only when a count needs it', () => {
    expect(isEncodingLoaded('cl100k_base')).toBe(false);
    expect(anyEncodingLoaded()).toBe(false);
    expect(countTokens('', 'gpt-4')).toBe(0);
    expect(isEncodingLoaded('cl100k_base')).toBe(false);
    expect(anyEncodingLoaded()).toBe(false);
    countTokens('hello', 'gpt-4');
    expect(isEncodingLoaded('cl100k_base')).toBe(true);
    expect(anyEncodingLoaded()).toBe(true);
  });

  it('counts with the real encodings (values from OpenAI tiktoken)', () => {
    // tiktoken: o200k_base "hello world" = [24912, 2375]; cl100k_base "tiktoken is great!" = 6 tokens.
    expect(countTokens('hello world', 'gpt-4o')).toBe(2);
    expect(countTokens('tiktoken is great!', 'gpt-35-turbo')).toBe(6);
    // The two encodings differ on the same text.
    const text = 'Приветствую! Как дела? 你好，世界。';
    expect(countTokens(text, 'gpt-4o')).not.toBe(countTokens(text, 'gpt-4'));
  });

  it('counts special-token text as ordinary text instead of throwing', () => {
    expect(countTokens('a <|endoftext|> b', 'gpt-4o')).toBeGreaterThan(3);
  });

  it("returns the tokenizer's own count for long texts, cached or not", () => {
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
    const first = countTokens(long, 'gpt-4o');
    expect(first).toBe(o200kCount(long));
    expect(countTokens(long, 'gpt-4o')).toBe(first);
  });
});

describe('CountCache', () => {
  it('keeps long texts only, evicts the least recently used past its size', () => {
    const c = new CountCache();
    c.set('o200k_base', 'short', 1);
    expect(c.get('o200k_base', 'short')).toBeUndefined();
    const big = (ch: string) => ch.repeat(1_500_000);
    c.set('o200k_base', big('a'), 1);
    c.set('o200k_base', big('b'), 2);
    expect(c.get('o200k_base', big('a'))).toBe(1); // a is now the most recent
    c.set('cl100k_base', big('c'), 3); // 4.5 M chars: one must go, and it is b
    expect(c.get('o200k_base', big('b'))).toBeUndefined();
    expect(c.get('o200k_base', big('a'))).toBe(1);
    expect(c.get('cl100k_base', big('c'))).toBe(3);
  });
});

describe('message token counts', () => {
  it('adds the per-message framing, tool calls, tool results and images', () => {
    const text = countTokens('Describe this', 'gpt-4o');
    expect(countMessageTokens({ role: 'user', content: [{ type: 'text', text: 'Describe this' }] }, 'gpt-4o')).toBe(text + MESSAGE_OVERHEAD_TOKENS);
    expect(countMessageTokens({ role: 'user', content: [{ type: 'text', text: 'Describe this' }, { type: 'data', mimeType: 'image/png', data: new Uint8Array(4) }] }, 'gpt-4o'))
      .toBe(text + MESSAGE_OVERHEAD_TOKENS + IMAGE_TOKENS);
    const withCall = countMessageTokens({ role: 'assistant', content: [{ type: 'toolCall', callId: 'c', name: 'read_file', input: { path: 'a.ts' } }] }, 'gpt-4o');
    expect(withCall).toBe(MESSAGE_OVERHEAD_TOKENS * 2 + countTokens('read_file', 'gpt-4o') + countTokens('{"path":"a.ts"}', 'gpt-4o'));
    expect(countMessageTokens('plain text', 'gpt-4o')).toBe(countTokens('plain text', 'gpt-4o'));
  });
});
