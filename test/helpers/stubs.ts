/** Stubs for testing one pipeline stage alone, without sockets. */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGone, type ProxyContext } from '../../src/core/proxy/context';
import { PoolRuntime } from '../../src/core/proxy/pool';
import { UpstreamAuth } from '../../src/core/auth/credentials';
import { Redactor } from '../../src/core/log';
import { validateConfig } from '../../src/core/config/validate';
import { StickyMap } from '../../src/core/proxy/sticky';
import { RetryBudget } from '../../src/core/balancer/retryBudget';
import { PoolMetrics } from '../../src/core/metrics/recorder';
import { Trace } from '../../src/core/metrics/trace';
import { PoolHealth } from '../../src/core/balancer/poolHealth';

export interface StubResponse {
  status: number | undefined;
  headers: Record<string, unknown>;
  body: string;
}

export function stubContext(opts: { method?: string; url?: string; headers?: Record<string, string>; config?: Record<string, unknown> } = {}): { ctx: ProxyContext; out: StubResponse } {
  const out: StubResponse = { status: undefined, headers: {}, body: '' };
  const req = Object.assign(new EventEmitter(), {
    method: opts.method ?? 'POST',
    url: opts.url ?? '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
    headers: { host: '127.0.0.1:8787', ...(opts.headers ?? {}) },
    headersDistinct: undefined,
  }) as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), {
    headersSent: false,
    destroyed: false,
    writeHead(status: number, headers: Record<string, unknown>) {
      out.status = status;
      out.headers = headers;
      this.headersSent = true;
      return this;
    },
    end(body?: string) {
      out.body += body ?? '';
    },
  }) as unknown as ServerResponse;
  const result = validateConfig({ backends: [{ name: 'a', endpoint: 'http://127.0.0.1:1', deployments: ['gpt-4o'] }], ...(opts.config ?? {}) });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const pool = new PoolRuntime(result.config, new UpstreamAuth({ apiKey: () => 'k-0000000000', tokenCredential: () => undefined }, new Redactor()), new PoolHealth());
  const ctx: ProxyContext = {
    req, res, pool, gone: new ClientGone(), startedAt: 0, stream: false, trace: new Trace(),
    settings: { clientKey: 'the-client-key', sticky: new StickyMap(), retryBudget: new RetryBudget(), mask: (t) => t, metrics: new PoolMetrics() },
    record: {
      id: '1', method: 'POST', route: '/', alias: undefined, backend: undefined, attempts: 0, status: 0, ms: 0, failovers: [], stream: false, error: undefined,
      at: 0, requestBytes: 0, responseBytes: 0, tokens: undefined, timeline: [],
    },
  };
  return { ctx, out };
}
