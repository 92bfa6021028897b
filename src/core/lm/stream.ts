/**
 * A streamed Chat Completions response -> VS Code response parts, as the
 * stream arrives. Text deltas go out at once. A tool call arrives in pieces
 * (https://platform.openai.com/docs/api-reference/chat-streaming/streaming):
 * its first `delta.tool_calls[]` entry carries `index`, `id`, `function.name`
 * and usually an empty `arguments`, later ones only `index` and the next
 * fragment of `arguments`, and the pieces of several calls may interleave.
 * Calls are assembled by index and reported once complete: when the choice
 * finishes (`finish_reason`), or at `[DONE]`.
 * Azure also sends chunks with no choices (the prompt's content-filter
 * verdict first, usage last); those carry nothing for the caller.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { LmError } from './errors';
import type { LmResponsePart } from './types';

interface PendingCall {
  id: string;
  name: string;
  args: string[];
}

interface Delta {
  content?: string | null;
  refusal?: string | null;
  tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
}

interface Chunk {
  choices?: { index?: number; delta?: Delta; finish_reason?: string | null }[];
  error?: { code?: string; message?: string };
}

export class ChatStreamDecoder {
  private readonly parser: EventSourceParser;
  private readonly calls = new Map<number, PendingCall>();
  private finished = false;
  private done = false;
  /** Events seen, for the message when a stream ends early. */
  private events = 0;
  /** Set when the model was cut off by the output limit. */
  finishReason: string | undefined;

  constructor(private readonly emit: (part: LmResponsePart) => void) {
    this.parser = createParser({ onEvent: (e) => this.onData(e.data) });
  }

  /** Feeds the next piece of the body, split anywhere (even inside a line or a UTF-8 character, if decoded with stream: true). */
  push(text: string): void {
    this.parser.feed(text);
  }

  /** The body ended cleanly. Reports calls not yet reported; throws if the stream stopped before it finished. */
  end(): void {
    this.flushCalls();
    if (!this.done && !this.finished) {
      throw new LmError('stream', `the response ended before the model finished (no finish_reason, no [DONE] after ${this.events} events)`);
    }
  }

  private onData(data: string): void {
    this.events++;
    if (data === '[DONE]') {
      this.done = true;
      this.flushCalls();
      return;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      throw new LmError('stream', `the response stream carried an event that is not JSON: ${data.slice(0, 80)}`);
    }
    if (chunk.error) throw new LmError('upstream', `the model stopped with an error: ${chunk.error.message ?? chunk.error.code ?? 'unknown'}`);
    for (const choice of chunk.choices ?? []) {
      // n > 1 is never requested; other choices would be a second answer.
      if ((choice.index ?? 0) !== 0) continue;
      const d = choice.delta;
      if (d?.content) this.emit({ type: 'text', text: d.content });
      if (d?.refusal) this.emit({ type: 'text', text: d.refusal });
      for (const t of d?.tool_calls ?? []) this.addFragment(t);
      if (choice.finish_reason) this.finish(choice.finish_reason);
    }
  }

  private addFragment(t: NonNullable<Delta['tool_calls']>[number]): void {
    const index = t.index ?? 0;
    let call = this.calls.get(index);
    if (!call) {
      call = { id: '', name: '', args: [] };
      this.calls.set(index, call);
    }
    if (t.id) call.id = t.id;
    if (t.function?.name) call.name += t.function.name;
    if (t.function?.arguments) call.args.push(t.function.arguments);
  }

  private finish(reason: string): void {
    this.finished = true;
    this.finishReason = reason;
    this.flushCalls();
    if (reason === 'content_filter') {
      throw new LmError('filtered', "Azure's content filter stopped the response (finish_reason content_filter); rephrase the request");
    }
  }

  private flushCalls(): void {
    const indices = [...this.calls.keys()].sort((a, b) => a - b);
    for (const i of indices) {
      const call = this.calls.get(i)!;
      this.calls.delete(i);
      if (!call.name) throw new LmError('stream', `tool call ${i} of the response has no function name`);
      const text = call.args.join('');
      let input: unknown;
      try {
        input = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        throw new LmError('stream', `the model called tool "${call.name}" with arguments that are not valid JSON: ${text.slice(0, 120)}`);
      }
      this.emit({ type: 'toolCall', callId: call.id || `call_${i}`, name: call.name, input });
    }
  }
}
