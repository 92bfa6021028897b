import { describe, expect, it } from 'vitest';
import { usageFromTail } from '../../../src/core/metrics/usage';

const b = (s: string) => Buffer.from(s);

describe('token usage from the end of an answer', () => {
  it('reads chat completions, the Responses API and embeddings', () => {
    const chat = b(JSON.stringify({ id: 'c', choices: [{ message: { content: 'hi' } }], usage: { completion_tokens: 7, prompt_tokens: 12, prompt_tokens_details: { cached_tokens: 0 }, total_tokens: 19 } }));
    expect(usageFromTail(Buffer.concat([b('x'.repeat(5000)), chat]), undefined)).toEqual({ prompt: 12, completion: 7, total: 19 });
    expect(usageFromTail(b('{"usage":{"input_tokens":5,"output_tokens":3,"total_tokens":8}}'), undefined)).toEqual({ prompt: 5, completion: 3, total: 8 });
    const responses = { usage: { input_tokens: 5, input_tokens_details: { cached_tokens: 2 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 8 } };
    expect(usageFromTail(b(JSON.stringify(responses, null, 2)), undefined)).toEqual({ prompt: 5, completion: 3, total: 8 });
    expect(usageFromTail(b('{"data":[],"usage":{"prompt_tokens": 4, "total_tokens" : 4}}'), undefined)).toEqual({ prompt: 4, completion: undefined, total: 4 });
  });

  it('finds the usage event of a stream in the chunk before "data: [DONE]"', () => {
    const usage = b('data: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}\n\n');
    expect(usageFromTail(b('data: [DONE]\n\n'), usage)).toEqual({ prompt: 10, completion: 2, total: 12 });
  });

  it('scans only the tail of a large chunk', () => {
    const early = b('{"usage":{"total_tokens":5}}');
    expect(usageFromTail(Buffer.concat([early, b('x'.repeat(100))]), undefined)?.total).toBe(5);
    expect(usageFromTail(Buffer.concat([early, b('x'.repeat(5000))]), undefined)).toBeUndefined();
  });

  it('says nothing when there is no usage, or it is null', () => {
    expect(usageFromTail(b('data: {"choices":[{"delta":{}}],"usage":null}\n\n'), b('data: [DONE]\n\n'))).toBeUndefined();
    expect(usageFromTail(undefined, undefined)).toBeUndefined();
    expect(usageFromTail(b('{"total_tokens": "x"}'), undefined)).toBeUndefined();
  });
});
