import type { IncomingMessage, ServerResponse } from 'node:http';
import { azureErrorBody as errorBody } from '../errors';
import { sendJson } from './azure';
import { parseJsonObject, readBody } from './body';
import { TINY_PNG_BASE64 } from './content';
import { parseFailNext } from './faults';
import type { Faults, SimStats } from './types';

/**
 * `/_sim/*`: lets a test or the demo steer a running backend from outside
 * the process. No auth: the server only listens on loopback, and these
 * requests are kept out of `requests` and `stats`.
 */

export interface ControlTarget {
  readonly name: string;
  readonly stats: SimStats;
  readonly faults: Faults;
  readonly pendingFailures: number;
  setFaults(f: Faults): void;
  failNext(status: number, count?: number, headers?: Record<string, string>): void;
}

const PNG = Buffer.from(TINY_PNG_BASE64, 'base64');

export async function handleControl(target: ControlTarget, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const route = `${req.method ?? ''} ${pathname.replace(/\/$/, '')}`;
  const body = await readBody(req, 1024 * 1024);
  if (!body.ok) {
    if (body.reason === 'too-large') sendJson(res, 413, errorBody('413', 'control body too large'), {});
    return;
  }
  try {
    switch (route) {
      case 'GET /_sim/stats':
        return sendJson(res, 200, { name: target.name, ...target.stats, pendingFailures: target.pendingFailures }, {});
      case 'GET /_sim/faults':
        return sendJson(res, 200, target.faults, {});
      case 'POST /_sim/faults':
        target.setFaults(parseJsonObject(body.raw) as Faults);
        return sendJson(res, 200, target.faults, {});
      case 'POST /_sim/fail-next': {
        const { spec, count } = parseFailNext(parseJsonObject(body.raw));
        target.failNext(spec.status, count, spec.headers);
        return sendJson(res, 200, { pendingFailures: target.pendingFailures }, {});
      }
      case 'GET /_sim/image.png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
        res.end(PNG);
        return;
      default:
        return sendJson(res, 404, errorBody('404', `no control endpoint ${route}; try GET /_sim/stats`), {});
    }
  } catch (e) {
    sendJson(res, 400, errorBody('BadRequest', e instanceof Error ? e.message : String(e)), {});
  }
}
