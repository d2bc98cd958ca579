/**
 * The provider API of the `proxy` scenario: a bare node:http server answering a small JSON object
 * to requests that carry the bearer token given as argument (401 otherwise). Its own process.
 */
import http from 'node:http';

const token = process.argv[2];
if (!token) throw new Error('usage: api-server.ts <bearer token to accept>');
const expected = `Bearer ${token}`;
const body = JSON.stringify({ id: '0017Q00000XyZaBQAZ', name: 'Acme Corporation', industry: 'Manufacturing', employees: 1200, active: true, tags: ['customer', 'enterprise'] });

const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end('{"error":"invalid_token"}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`api listening at http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
