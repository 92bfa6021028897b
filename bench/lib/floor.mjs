/**
 * The Node floor: the least a proxy on Node's http server and undici can do
 * per request. No client key, no routing, no health, no failover: headers
 * copied, bytes relayed, nothing else. Measured beside our proxy and nginx so
 * the README can say which part of the gap to nginx is the platform and which
 * is ours (issue 6). Same lifetime rules as backend.mjs.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new Pool(`http://127.0.0.1:${process.argv[2]}`, { connections: 256, pipelining: 1 });

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    upstream.dispatch({ path: req.url, method: req.method, headers, body: Buffer.concat(chunks) }, {
      onRequestStart() {},
      onResponseStart(_c, status, h) {
        delete h.connection;
        delete h['keep-alive'];
        delete h['transfer-encoding'];
        res.writeHead(status, h);
      },
      onResponseData(c, chunk) {
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError(_c, e) {
        res.destroy(e);
      },
    });
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(0));
