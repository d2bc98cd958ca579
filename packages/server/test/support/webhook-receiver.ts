import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Standard Webhooks verifier written from the spec (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md),
 * independent of Portico's signing code: the secret is "whsec_" + base64 key; the signed content is
 * "{webhook-id}.{webhook-timestamp}.{body}"; webhook-signature is a space-separated list of
 * "v1,<base64 HMAC-SHA256>", any one of which may match; timestamps older or newer than the
 * tolerance are refused. (The lead should swap in the `standardwebhooks` package here.)
 */
export function verifyStandardWebhook(secret: string, headers: http.IncomingHttpHeaders, body: string, toleranceSeconds = 300): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  if (!secret.startsWith('whsec_')) return false;
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  at: number;
  /** The status the receiver answered. */
  answered: number;
}

/** A local endpoint that records every request and answers with what `respond` says (default 200). */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Picks the status of each request; by default 200. */
  respond: (request: Omit<ReceivedWebhook, 'answered'>) => number = () => 200;
  private server: http.Server | undefined;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const entry = { path: req.url ?? '/', headers: req.headers, body, json: JSON.parse(body || 'null') as ReceivedWebhook['json'], at: Date.now() };
        const answered = this.respond(entry);
        this.received.push({ ...entry, answered });
        res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The requests to one path (one webhook each, in the tests). */
  at(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
