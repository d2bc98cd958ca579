import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scenario } from './types.ts';

const WEBHOOKS = 10;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * 10 webhooks on one local sink; metadata changes of the bench user (each with its own key, so a
 * delivery names its change); measured from the first change to the last delivery: deliveries per
 * second, and per delivery the time from the change's answer to its arrival at the sink.
 */
export const webhookFanOut: Scenario = {
  name: 'webhook-fan-out',
  description: `PATCH /sdk/me of the bench user with ${WEBHOOKS} webhooks subscribed: every change fanned out by the outbox consumer and POSTed, signed, to a local sink`,
  async run(ctx) {
    const changes = ctx.options.quick ? 200 : 1000;
    const acknowledged = new Map<string, number>();
    const latencies: number[] = [];
    const ids = new Set<string>();
    let received = 0;
    let duplicates = 0;
    let allArrived: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allArrived = resolve));
    const sink = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(204).end();
        const id = `${req.url}:${String(req.headers['webhook-id'])}`;
        if (ids.has(id)) duplicates++;
        ids.add(id);
        const key = (JSON.parse(Buffer.concat(chunks).toString()) as { data: { keys: string[] } }).data.keys[0]!;
        const at = acknowledged.get(key);
        if (at !== undefined) latencies.push(performance.now() - at);
        if (++received === changes * WEBHOOKS) allArrived();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const port = (sink.address() as AddressInfo).port;
    const admin = `${ctx.server.url}/api/v1/projects/${ctx.project.projectId}`;
    const auth = { authorization: `Bearer ${ctx.project.apiKey}`, 'content-type': 'application/json' };
    const hooks: string[] = [];
    try {
      for (let i = 0; i < WEBHOOKS; i++) {
        const response = await fetch(`${admin}/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: `http://127.0.0.1:${port}/sink/${i}`, events: ['user.metadata.updated'] }) });
        if (response.status !== 201) throw new Error(`creating a webhook: ${response.status} ${await response.text()} (the bench server needs PORTICO_OUTBOUND_ALLOW_HOSTS=127.0.0.1)`);
        hooks.push(((await response.json()) as { id: string }).id);
      }
      const started = performance.now();
      let next = 0;
      const writer = async () => {
        while (next < changes) {
          const key = `fanout${next++}`;
          const response = await fetch(`${ctx.sdkUrl}/me`, { method: 'PATCH', headers: { authorization: `Bearer ${ctx.warmToken}`, 'content-type': 'application/json' }, body: `{"meta":{"${key}":1}}` });
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`PATCH /sdk/me answered ${response.status}`);
          acknowledged.set(key, performance.now());
        }
      };
      await Promise.all(Array.from({ length: 10 }, writer));
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${received} of ${changes * WEBHOOKS} deliveries arrived within 300 s`)), 300_000).unref());
      await Promise.race([done, timeout]);
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        perSecond: Math.round(received / seconds),
        unit: 'deliveries/s',
        p50Ms: Math.round(percentile(latencies, 50)),
        p99Ms: Math.round(percentile(latencies, 99)),
        comparable: false,
        details: { changes, webhooks: WEBHOOKS, deliveries: received, duplicates, seconds: Math.round(seconds * 10) / 10, latency: 'change answered -> delivery at the sink' },
      };
    } finally {
      // The webhooks go, so that scenarios after this one do not pay for their fan-out.
      for (const id of hooks) await fetch(`${admin}/webhooks/${id}`, { method: 'DELETE', headers: { authorization: auth.authorization } });
      sink.closeAllConnections();
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
  },
};
