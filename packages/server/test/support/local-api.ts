import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the local API received. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A small provider API on 127.0.0.1 that checks bearer tokens, for the proxy tests. Every path
 * answers a JSON echo of the request, except a few that answer otherwise:
 * `/…/text` (text/plain with a cookie and a rate-limit header), `/…/missing` (404 JSON),
 * `/…/empty` (204), `/…/big?bytes=N` (N bytes of JSON), `/…/slow?ms=N` (answers after N ms).
 * The token comes as `Authorization: Bearer` or `X-API-Key`; without an accepted one the answer is
 * 401 `{ error: "invalid_token" }`.
 */
export class LocalApi {
  readonly seen: SeenRequest[] = [];
  /** Tokens answered 200; `alsoAccept` is asked for any other. */
  readonly tokens = new Set<string>();
  alsoAccept: (token: string) => boolean = () => false;
  /** TCP connections accepted so far. */
  connections = 0;
  private server: http.Server | undefined;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.answer(request, Buffer.concat(chunks).toString('utf8'), response));
    });
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Requests seen since `mark` (an earlier `seen.length`). */
  since(mark: number): SeenRequest[] {
    return this.seen.slice(mark);
  }

  private answer(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    const seen = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
    this.seen.push(seen);
    const url = new URL(seen.url, 'http://local');
    const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(value));
    };
    const apiKey = request.headers['x-api-key'];
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? (typeof apiKey === 'string' ? apiKey : undefined);
    if (!token || !(this.tokens.has(token) || this.alsoAccept(token))) {
      json(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    const last = url.pathname.split('/').pop();
    if (last === 'text') {
      response.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'session=provider-cookie', 'x-ratelimit-remaining': '42' });
      response.end('plain text answer');
    } else if (last === 'missing') {
      json(404, { error: 'not_found', detail: `no ${url.pathname}` });
    } else if (last === 'empty') {
      response.writeHead(204);
      response.end();
    } else if (last === 'big') {
      const size = Number(url.searchParams.get('bytes') ?? '1000');
      json(200, { filler: 'x'.repeat(Math.max(0, size - 14)) });
    } else if (last === 'slow') {
      setTimeout(() => json(200, { slow: true }), Number(url.searchParams.get('ms') ?? '1000'));
    } else {
      json(200, { method: seen.method, path: url.pathname, query: Object.fromEntries(url.searchParams), token, contentType: request.headers['content-type'] ?? null, body }, { 'x-request-id': 'req-1' });
    }
  }
}
