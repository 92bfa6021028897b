import { describe, expect, it } from 'vitest';
import { toChatBody, type LmMessage } from '../../../src/core/lm';

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

describe('VS Code messages -> Chat Completions body', () => {
  it('maps system, user and assistant text; concatenates parts; streams', () => {
    const messages: LmMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: ' Always.' }] },
      { role: 'user', name: 'ada', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
    ];
    expect(toChatBody(messages, { images: true })).toEqual({
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief. Always.' },
        { role: 'user', content: 'Hi', name: 'ada' },
        { role: 'assistant', content: 'Hello' },
      ],
    });
  });

  it('turns VS Code tool definitions into tools, and Required mode into tool_choice "required"', () => {
    const body = toChatBody([{ role: 'user', content: [{ type: 'text', text: 'x' }] }], {
      images: false,
      toolMode: 'required',
      tools: [
        { name: 'read_file', description: 'Reads', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
        { name: 'now', description: 'Time' },
      ],
    });
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'read_file', description: 'Reads', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } } },
      { type: 'function', function: { name: 'now', description: 'Time', parameters: { type: 'object', properties: {} } } },
    ]);
    expect(body.tool_choice).toBe('required');
    expect(toChatBody([], { images: false, toolMode: 'auto', tools: [{ name: 'now', description: '' }] }).tool_choice).toBeUndefined();
    expect(toChatBody([], { images: false, toolMode: 'required', tools: [] })).not.toHaveProperty('tools');
  });

  it('puts tool calls on the assistant message and tool results in tool messages right after it, before the rest of the user turn', () => {
    const messages: LmMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      { role: 'assistant', content: [
        { type: 'toolCall', callId: 'c1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'toolCall', callId: 'c2', name: 'get_time', input: {} },
      ] },
      { role: 'user', content: [
        { type: 'text', text: 'and be quick' },
        { type: 'toolResult', callId: 'c1', content: [{ type: 'text', text: 'sunny' }, { type: 'other', value: { node: { children: [{ text: ', 21 C' }] } } }] },
        { type: 'toolResult', callId: 'c2', content: [{ type: 'data', mimeType: 'application/json', data: new TextEncoder().encode('{"t":"12:00"}') }] },
      ] },
    ];
    expect(toChatBody(messages, { images: true }).messages).toEqual([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'c2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny, 21 C' },
      { role: 'tool', tool_call_id: 'c2', content: '{"t":"12:00"}' },
      { role: 'user', content: 'and be quick' },
    ]);
  });

  it('keeps assistant text next to its tool calls', () => {
    const [m] = toChatBody([{ role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'toolCall', callId: 'c', name: 'f', input: { a: 1 } }] }], { images: false }).messages;
    expect(m).toEqual({ role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] });
  });

  it('sends images as data URLs where the model takes them, and a note where it does not', () => {
    const user: LmMessage = { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'data', mimeType: 'image/png', data: png }] };
    expect(toChatBody([user], { images: true }).messages[0]!.content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(png).toString('base64')}` } },
    ]);
    expect(toChatBody([user], { images: false }).messages[0]!.content).toBe('What is this?[an image was left out: this model takes no images]');
  });

  it('drops VS Code markers (non-text data parts), empty user turns and invalid names', () => {
    const marker = { type: 'data' as const, mimeType: 'cache_control', data: new TextEncoder().encode('ephemeral') };
    const body = toChatBody([
      { role: 'user', name: 'not valid!', content: [{ type: 'text', text: 'a' }, marker] },
      { role: 'user', content: [marker] },
    ], { images: true });
    expect(body.messages).toEqual([{ role: 'user', content: 'a' }]);
  });

  it('passes only known Chat Completions options from modelOptions', () => {
    const body = toChatBody([], { images: false, modelOptions: { temperature: 0.2, max_tokens: 99, n: 3, stream: false, messages: [] } });
    expect(body).toEqual({ messages: [], stream: true, temperature: 0.2, max_tokens: 99 });
  });
});
