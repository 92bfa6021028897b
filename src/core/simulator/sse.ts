import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEncoder, encodedHeaders, responseEncoding } from './encoding';

/** Resolves after `ms`, or early (never rejecting) when `signal` aborts, so close() cancels every pending wait. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the caller checks whether it should go on.
  }
}

/**
 * A server-sent-event stream with the pacing and the mid-stream cut the
 * faults ask for. Every method is a no-op once the client or the server has
 * gone, so handlers need no error paths of their own. When the response is
 * compressed (./encoding.ts), each event is flushed through the encoder at
 * once, so it still reaches the client as it happens.
 */
export class SseStream {
  private flushed: Promise<void> = Promise.resolve();
  private encoder: ReturnType<typeof createEncoder> | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly signal: AbortSignal,
    private readonly delayMs: number,
  ) {}

  open(headers: Record<string, string>): void {
    const coding = responseEncoding(this.res);
    const base = { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
    // No content-length: chunked encoding is what lets a client notice a stream cut short.
    this.res.writeHead(200, coding ? encodedHeaders(base, coding) : base);
    this.res.flushHeaders();
    if (coding) {
      const enc = createEncoder(coding);
      enc.on('data', (out: Buffer) => this.write(out));
      enc.on('end', () => {
        if (this.alive) this.res.end();
      });
      enc.on('error', () => this.res.destroy());
      this.encoder = enc;
    }
  }

  get alive(): boolean {
    return !this.signal.aborted && !this.res.destroyed && !this.res.writableEnded;
  }

  /** Waits the chunk delay; false when the stream should stop. */
  async tick(): Promise<boolean> {
    await pause(this.delayMs, this.signal);
    return this.alive;
  }

  /** `data: <json>` (or `[DONE]`), with an `event:` line for the Responses API. */
  async send(data: unknown, event?: string): Promise<boolean> {
    if (!this.alive) return false;
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    const text = `${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`;
    let ok: boolean;
    if (this.encoder) {
      const enc = this.encoder;
      enc.write(text);
      // The encoder's output for this event is written by the time its flush completes.
      await new Promise<void>((resolve) => enc.flush(() => resolve()));
      ok = !this.res.writableNeedDrain;
    } else {
      ok = this.write(text);
    }
    if (!ok) await this.until('drain');
    return this.alive;
  }

  end(): void {
    if (!this.alive) return;
    if (this.encoder) this.encoder.end();
    else this.res.end();
  }

  /** Destroys the socket once what was written so far has reached it, so the client sees some chunks, then an error. */
  async cut(): Promise<void> {
    if (!this.alive) return;
    // destroy() drops writes still queued in the socket, so wait until the last one left.
    await Promise.race([this.flushed, this.until('close')]);
    this.encoder?.destroy();
    this.res.socket?.destroy();
    this.res.destroy();
  }

  private write(chunk: string | Buffer): boolean {
    if (!this.alive) return true;
    let ok = true;
    this.flushed = new Promise((resolve) => {
      ok = this.res.write(chunk, () => resolve());
    });
    return ok;
  }

  /** Resolves on `event`, on close or on server shutdown, whichever comes first. */
  private until(event: 'drain' | 'close'): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.res.off(event, done);
        this.res.off('close', done);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      if (!this.alive) return resolve();
      this.res.once(event, done);
      this.res.once('close', done);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }
}
