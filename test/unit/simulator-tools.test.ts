import { AzureOpenAI } from 'openai';
import { describe, expect, it } from 'vitest';
import { sampleArguments, splitText } from '../../src/core/simulator/tools';
import { closeSimsAfterEach, json, sim } from '../helpers/sim';

closeSimsAfterEach();

const API = 'api-version=2024-10-21';
const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 }, unit: { enum: ['C', 'F'] } }, required: ['city', 'days', 'unit'] },
  },
};
const TIME = { type: 'function', function: { name: 'get_time', description: 'Time', parameters: { type: 'object', properties: {} } } };

function client(url: string, apiKey: string): AzureOpenAI {
  return new AzureOpenAI({ endpoint: url, apiKey, apiVersion: '2024-10-21', deployment: 'gpt-4o', maxRetries: 0 });
}

describe('simulated backend: tool calls (Chat Completions function calling)', () => {
  it('streams a tool call in fragments that the official openai SDK assembles into the call', async () => {
    const b = await sim({ faults: { chunkDelayMs: 0, chunks: 6 } });
    const stream = client(b.url, b.apiKey).chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Use get_weather for Paris' }],
      tools: [TIME, WEATHER] as never,
    });
    const deltas: unknown[] = [];
    stream.on('chunk', (c) => deltas.push(...(c.choices[0]?.delta.tool_calls ?? [])));
    const done = await stream.finalChatCompletion();
    const choice = done.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    expect(call.id).toMatch(/^call_/);
    expect((call as { function: { name: string } }).function.name).toBe('get_weather');
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual({ city: 'simulated', days: 1, unit: 'C' });
    // Head (id + name + empty arguments) then six argument fragments.
    expect(deltas).toHaveLength(7);
    expect(deltas[0]).toMatchObject({ index: 0, id: call.id, function: { name: 'get_weather', arguments: '' } });
    for (const d of deltas.slice(1)) expect(Object.keys(d as object).sort()).toEqual(['function', 'index']);
  });

  it('answers a tool call as JSON with content null when not streaming', async () => {
    const b = await sim();
    const res = await client(b.url, b.apiKey).chat.completions.create({
      model: 'gpt-4o', messages: [{ role: 'user', content: 'what time?' }], tools: [TIME, WEATHER] as never, tool_choice: 'required',
    });
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(res.choices[0]!.message.content).toBeNull();
    expect(res.choices[0]!.message.tool_calls?.map((c) => (c as { function: { name: string } }).function.name)).toEqual(['get_time']);
  });

  it('calls the tool tool_choice names, and none with tool_choice "none" or when nobody names one', async () => {
    const b = await sim({ faults: { chunkDelayMs: 0 } });
    const c = client(b.url, b.apiKey);
    const named = await c.chat.completions.create({
      model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], tools: [TIME, WEATHER] as never, tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect((named.choices[0]!.message.tool_calls![0] as { function: { name: string } }).function.name).toBe('get_weather');
    const none = await c.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'get_weather please' }], tools: [WEATHER] as never, tool_choice: 'none' });
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
    expect(none.choices[0]!.message.content).toContain('Hello from sim-1');
    const auto = await c.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], tools: [WEATHER] as never });
    expect(auto.choices[0]!.finish_reason).toBe('stop');
  });

  it('answers a tool result with text that quotes it (the round trip)', async () => {
    const b = await sim({ faults: { chunkDelayMs: 0 } });
    const res = await client(b.url, b.apiKey).chat.completions.create({
      model: 'gpt-4o',
      tools: [WEATHER] as never,
      messages: [
        { role: 'user', content: 'get_weather for Paris' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21 C' },
      ],
    });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.choices[0]!.message.content).toBe('Hello from sim-1. The tool returned: sunny, 21 C');
  });

  it('refuses malformed tools and a tool_choice naming an unknown function with Azure-shaped 400s', async () => {
    const b = await sim();
    const post = (body: unknown) => fetch(`${b.url}/openai/deployments/gpt-4o/chat/completions?${API}`, {
      method: 'POST', headers: { 'api-key': b.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const msgs = [{ role: 'user', content: 'hi' }];
    const notArray = await post({ messages: msgs, tools: 'x' });
    expect(notArray.status).toBe(400);
    expect((await json(notArray)).error.param).toBe('tools');
    const badName = await post({ messages: msgs, tools: [{ type: 'function', function: { name: 'has space' } }] });
    expect(badName.status).toBe(400);
    const unknown = await post({ messages: msgs, tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'nope' } } });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error.code).toBe('invalid_value');
  });

  it('records when a client leaves before the stream ended', async () => {
    const b = await sim({ faults: { chunkDelayMs: 50, chunks: 100 } });
    const ac = new AbortController();
    const res = await fetch(`${b.url}/openai/deployments/gpt-4o/chat/completions?${API}`, {
      method: 'POST', headers: { 'api-key': b.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }), signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    expect(b.requests[0]!.closed).toBeUndefined();
    ac.abort();
    await expect.poll(() => b.requests[0]!.closed, { timeout: 5_000 }).toMatchObject({ complete: false });
    const done = await fetch(`${b.url}/openai/deployments/gpt-4o/chat/completions?${API}`, {
      method: 'POST', headers: { 'api-key': b.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    await done.text();
    await expect.poll(() => b.requests[1]!.closed, { timeout: 5_000 }).toMatchObject({ complete: true });
  });

  it('fills required arguments from the schema and splits text anywhere', () => {
    expect(sampleArguments({ type: 'object', properties: { a: { type: 'boolean' }, b: { type: 'object', properties: { c: { type: 'number' } }, required: ['c'] }, d: { type: 'string' } }, required: ['a', 'b'] }))
      .toEqual({ a: true, b: { c: 1 } });
    expect(sampleArguments(undefined)).toEqual({});
    expect(splitText('{"city":"x"}', 5).join('')).toBe('{"city":"x"}');
    expect(splitText('{"city":"x"}', 5)).toHaveLength(5);
  });
});
