/**
 * Reads `/_pool/metrics` or `/_pool/requests` from a pool in another process
 * (another VS Code window's, or the CLI's), with the client key. Only ever
 * talks to loopback: the key must not leave the machine.
 */
import { request } from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_BYTES = 16 * 1024 * 1024;

/** Host and port of a pool URL, or a clear refusal when it is not plain http on loopback. */
export function loopbackTarget(baseUrl: string): { host: string; port: string } {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) {
    throw new Error(`refusing to send the client key to ${url.origin}: the pool is only read on loopback`);
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port };
}

/**
 * The response body of `GET baseUrl + path`; rejects with a message that says
 * what went wrong (with `status` when the pool answered, with the socket's
 * `code` such as ECONNREFUSED when nothing did).
 */
export function fetchPoolJson(baseUrl: string, path: '/_pool/metrics' | '/_pool/requests' | '/_pool/health', query: string, clientKey: string, timeoutMs = 3000): Promise<string> {
  let target: { host: string; port: string };
  try {
    target = loopbackTarget(baseUrl);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.host, port: target.port, path: `${path}${query ? `?${query}` : ''}`, method: 'GET',
      headers: { 'api-key': clientKey, accept: 'application/json' }, timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy(new Error(`${path} answered more than ${MAX_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) return resolve(body);
        let why = body.slice(0, 200);
        try {
          why = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? why;
        } catch {
          // not JSON: keep the text
        }
        // `status` tells "something answered, but no" apart from a socket that failed (peer/follower.ts).
        reject(Object.assign(new Error(`${path} answered ${res.statusCode}: ${why}`), { status: res.statusCode }));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${path} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
