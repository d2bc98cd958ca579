import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scenario } from './types.ts';

const WORKFLOWS = 3;
const CLIENTS = 10;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * App Events of the bench user fanned out to 3 workflows listening to the same event, each with one
 * http step to a local sink: events accepted per second (201 answers), and per run the time from
 * the event's answer to its step's arrival at the sink (which includes queueing behind the burst).
 */
export const eventFanOut: Scenario = {
  name: 'event-fan-out',
  description: `POST /sdk/events/trigger of the bench user with ${WORKFLOWS} enabled workflows listening: every event starts ${WORKFLOWS} runs whose http step reaches a local sink`,
  async run(ctx) {
    const events = ctx.options.quick ? 200 : 1000;
    const expected = events * WORKFLOWS;
    const acknowledged = new Map<number, number>();
    const latencies: number[] = [];
    const seen = new Set<string>();
    let received = 0;
    let duplicates = 0;
    let allArrived: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allArrived = resolve));
    const sink = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(204).end();
        const { n, w } = JSON.parse(Buffer.concat(chunks).toString()) as { n: number; w: number };
        const id = `${n}:${w}`;
        if (seen.has(id)) duplicates++;
        seen.add(id);
        const at = acknowledged.get(n);
        if (at !== undefined) latencies.push(performance.now() - at);
        if (++received === expected) allArrived();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const port = (sink.address() as AddressInfo).port;
    const admin = `${ctx.server.url}/api/v1/projects/${ctx.project.projectId}`;
    const auth = { authorization: `Bearer ${ctx.project.apiKey}`, 'content-type': 'application/json' };
    const user = { authorization: `Bearer ${ctx.warmToken}`, 'content-type': 'application/json' };
    const integration = ctx.project.integrations[0]!;
    const workflows: string[] = [];
    try {
      for (let w = 0; w < WORKFLOWS; w++) {
        const response = await fetch(`${admin}/workflows`, {
          method: 'POST', headers: auth,
          body: JSON.stringify({
            name: `Bench fan-out ${w}`, integration: integration.type, trigger: { type: 'event', event: 'Bench Event' },
            steps: [{ id: 'post', type: 'http', method: 'POST', url: `http://127.0.0.1:${port}/sink`, body: { n: '{{event.n}}', w } }],
          }),
        });
        if (response.status !== 201) throw new Error(`creating a workflow: ${response.status} ${await response.text()}`);
        const id = ((await response.json()) as { id: string }).id;
        workflows.push(id);
        const enabled = await fetch(`${ctx.sdkUrl}/workflows/${id}`, { method: 'POST', headers: { authorization: user.authorization } });
        if (enabled.status !== 200) throw new Error(`enabling a workflow: ${enabled.status} ${await enabled.text()}`);
      }
      const started = performance.now();
      let next = 0;
      let acceptedAt = 0;
      const sender = async () => {
        while (next < events) {
          const n = next++;
          const response = await fetch(`${ctx.sdkUrl}/events/trigger`, { method: 'POST', headers: user, body: `{"name":"Bench Event","payload":{"n":${n}}}` });
          await response.arrayBuffer();
          if (response.status !== 201) throw new Error(`POST /sdk/events/trigger answered ${response.status}`);
          acknowledged.set(n, performance.now());
        }
        acceptedAt = performance.now();
      };
      await Promise.all(Array.from({ length: CLIENTS }, sender));
      const acceptSeconds = (acceptedAt - started) / 1000;
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${received} of ${expected} runs reached the sink within 300 s`)), 300_000).unref());
      await Promise.race([done, timeout]);
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        perSecond: Math.round(events / acceptSeconds),
        unit: 'req/s',
        p50Ms: Math.round(percentile(latencies, 50)),
        p99Ms: Math.round(percentile(latencies, 99)),
        comparable: false,
        details: {
          events, workflows: WORKFLOWS, runs: received, duplicates, runsPerSecond: Math.round(received / seconds),
          seconds: Math.round(seconds * 10) / 10, throughput: 'events accepted/s', latency: 'event answered -> step at the sink',
        },
      };
    } finally {
      for (const id of workflows) await fetch(`${admin}/workflows/${id}`, { method: 'DELETE', headers: { authorization: auth.authorization } });
      sink.closeAllConnections();
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
  },
};
