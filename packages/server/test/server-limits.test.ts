import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, startPortico, type Portico } from './harness.ts';

/** Tight limits so the slow-client cases finish in about a second each. */
const LIMITS = {
  PORTICO_HEADERS_TIMEOUT_MS: '600',
  PORTICO_REQUEST_TIMEOUT_MS: '1200',
  PORTICO_KEEP_ALIVE_TIMEOUT_MS: '3000',
  PORTICO_MAX_HEADER_BYTES: '8192',
  PORTICO_MAX_CONNECTIONS: '24',
  PORTICO_MAX_REQUESTS_PER_SOCKET: '3',
  PORTICO_BODY_LIMIT_BYTES: '4096',
};

interface RawResult {
  /** Everything the server sent before closing. */
  text: string;
  /** ms from connect to the server closing the socket. */
  closedAfterMs: number;
}

/** A raw client: writes `chunks`, one every `intervalMs`, and reports what came back when the server hangs up. */
function rawClient(port: number, chunks: string[], intervalMs: number, giveUpMs = 5000): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server kept a slow client open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('data', (data) => (text += data.toString('utf8')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      let i = 0;
      const next = () => {
        if (i < chunks.length && !socket.destroyed) socket.write(chunks[i++]!);
      };
      next();
      timer = setInterval(next, intervalMs);
    });
  });
}

/** Writes `bytes`, half-closes, and returns whatever came back once the server closes (or after 1 s). */
function sendBytes(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(done, 1000);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', done);
    socket.on('connect', () => socket.end(bytes));
  });
}

function envelope(text: string): { status: number; code: string } {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return JSON.parse(body) as { status: number; code: string };
}

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.on('data', (d) => (body += d));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
    });
    request.on('error', reject);
  });
}

describe.each(STORES)('server limits against a listening server (%s)', (kind) => {
  let portico: Portico;
  let port: number;

  beforeAll(async () => {
    portico = await startPortico(kind, { config: LIMITS });
    await portico.app.listen({ port: 0, host: '127.0.0.1' });
    port = (portico.app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => portico.close());

  it('cuts slow-header (slowloris) clients with 408 after the headers timeout while serving others', async () => {
    const slowHeaders = ['GET /healthz HTTP/1.1\r\nHost: x\r\n', ...Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: ${i}\r\n`)];
    const attackers = Array.from({ length: 12 }, () => rawClient(port, slowHeaders, 100));
    await new Promise((r) => setTimeout(r, 150));
    const during = await get(port, '/healthz');
    expect(during.status).toBe(200);
    for (const result of await Promise.all(attackers)) {
      expect(result.closedAfterMs).toBeLessThan(2000);
      expect(envelope(result.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
    }
  });

  it('closes silent connections after the headers timeout', async () => {
    const result = await rawClient(port, [], 1000);
    expect(result.closedAfterMs).toBeLessThan(2000);
  });

  it('cuts clients that trickle a body after the request timeout', async () => {
    const token = await portico.token('slow-body');
    const head = `PATCH /projects/${portico.project.projectId}/sdk/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const result = await rawClient(port, [head, ...Array.from({ length: 60 }, () => ' ')], 100);
    expect(result.closedAfterMs).toBeLessThan(3000);
    expect(result.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 REQUEST_TIMEOUT to a body that stalls after its first bytes', async () => {
    const token = await portico.token('stalled-body');
    const head = `PATCH /projects/${portico.project.projectId}/sdk/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"meta":';
    const result = await rawClient(port, [head], 100);
    expect(result.closedAfterMs).toBeLessThan(3000);
    expect(result.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(envelope(result.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  });

  it('closes the connection after an early 401 instead of waiting for a stalled body', async () => {
    const head = `PATCH /projects/${portico.project.projectId}/sdk/me HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const result = await rawClient(port, [head, ...Array.from({ length: 60 }, () => ' ')], 100);
    expect(result.text).toMatch(/^HTTP\/1\.1 401 /);
    expect(result.text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(result.closedAfterMs).toBeLessThan(500);
  });

  it('answers oversized headers with 431 and malformed requests with 400, in the error envelope', async () => {
    const big = await rawClient(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`], 50);
    expect(envelope(big.text)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
    const junk = await rawClient(port, ['HELLO THERE\r\n\r\n'], 50);
    expect(envelope(junk.text)).toMatchObject({ status: 400, code: 'HTTP_REQUEST_MALFORMED' });
  });

  it('refuses bodies over the body limit with 413 over real HTTP', async () => {
    const token = await portico.token('limits-user');
    const response = await fetch(`http://127.0.0.1:${port}/projects/${portico.project.projectId}/sdk/me`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ meta: { a: 'x'.repeat(8000) } }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).code).toBe('BODY_TOO_LARGE');
  });

  it('answers an oversized body with 413 and its limit to fetch clients every time, reading the rest of the body first', async () => {
    const token = await portico.token('big-body');
    const url = `http://127.0.0.1:${port}/projects/${portico.project.projectId}/sdk/me`;
    const body = JSON.stringify({ meta: { a: 'x'.repeat(2 * 1024 * 1024) } });
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) {
      // Content-Length (refused before a byte is read) and chunked (refused once the limit is crossed).
      for (const streamed of [false, true]) {
        try {
          const response = await fetch(url, {
            method: 'PATCH',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            ...(streamed ? { body: new Blob([body]).stream(), duplex: 'half' } : { body }),
          } as RequestInit);
          const json = (await response.json()) as { code: string; meta?: { limit?: number } };
          outcomes.push(`${response.status} ${json.code} ${json.meta?.limit}`);
        } catch (error) {
          outcomes.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
        }
      }
    }
    expect(outcomes).toEqual(Array(60).fill('413 BODY_TOO_LARGE 4096'));
  });

  it('answers an oversized body that stalls with 413 once the drain gives up, and closes', async () => {
    const token = await portico.token('big-stalled');
    const head = `PATCH /projects/${portico.project.projectId}/sdk/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{"meta":';
    const result = await rawClient(port, [head], 100);
    expect(result.closedAfterMs).toBeLessThan(1200);
    expect(envelope(result.text)).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE', meta: { limit: 4096 } });
  });

  it('answers random bytes and mangled or smuggling-shaped requests with < 500 or a close, and keeps serving', async () => {
    const pid = portico.project.projectId;
    const templates = [
      `GET /projects/${pid}/sdk/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\n`,
      `PATCH /projects/${pid}/sdk/me HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"meta":{}}`,
      `POST /api/v1/projects/${pid}/integrations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n`,
      `POST /api/v1/projects/${pid}/integrations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n`,
      'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
      'GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      `${'A'.repeat(300)} / HTTP/1.1\r\n\r\n`,
      'GET /healthz HTTP/1.0\n\n',
    ];
    const mangled = fc.tuple(fc.constantFrom(...templates), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 4 }))
      .map(([text, edits]) => Buffer.from(edits.reduce((t, [at, cut, insert]) => t.slice(0, at % (t.length + 1)) + insert + t.slice((at % (t.length + 1)) + cut), text), 'latin1'));
    const bytes = fc.oneof(mangled, mangled, fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)));
    let answered = 0;
    await fc.assert(fc.asyncProperty(bytes, async (input) => {
      const text = await sendBytes(port, input);
      for (const match of text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)) {
        answered++;
        expect(Number(match[1]), text.slice(0, 300)).toBeLessThan(500);
      }
    }), { numRuns: 150 });
    expect(answered).toBeGreaterThan(50);
    expect((await get(port, '/healthz')).status).toBe(200);
  });

  it('drops connections beyond the connection limit, and serves again once they close', async () => {
    const sockets: net.Socket[] = [];
    let dropped = 0;
    await Promise.all(Array.from({ length: 30 }, () => new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve());
      socket.on('error', () => {});
      socket.on('close', () => dropped++);
      sockets.push(socket);
    })));
    await new Promise((r) => setTimeout(r, 100));
    expect(dropped).toBeGreaterThanOrEqual(6);
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect((await get(port, '/healthz')).status).toBe(200);
  });

  it('closes a keep-alive connection after the per-socket request limit', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await get(port, '/healthz', agent));
    agent.destroy();
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[2]!.connection).toBe('close');
  });
});
