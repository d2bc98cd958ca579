import { runLoad } from '../load.ts';
import { startLocalApi } from '../processes.ts';
import { BENCH_USER } from '../seed-project.ts';
import { fromLoad, type Scenario } from './types.ts';

const API_TOKEN = 'bench-provider-token';

async function admin(serverUrl: string, projectId: string, apiKey: string, path: string, body: unknown): Promise<{ type?: string }> {
  const response = await fetch(`${serverUrl}/api/v1/projects/${projectId}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as { type?: string };
}

export const proxy: Scenario = {
  name: 'proxy',
  description: 'GET /sdk/proxy/{custom}/items of the bench user: a small JSON object from a local provider API (own process) through Portico, compared with calling that API directly in the same run',
  async run(ctx) {
    const api = await startLocalApi(API_TOKEN);
    try {
      const { projectId, apiKey } = ctx.project;
      const integration = await admin(ctx.server.url, projectId, apiKey, '/integrations', {
        type: 'custom', name: 'Bench API', clientId: 'bench', auth: { scheme: 'oauth2', authorizationUrl: `${api.url}/authorize`, tokenUrl: `${api.url}/token` }, apiBaseUrl: `${api.url}/v1`,
      });
      await admin(ctx.server.url, projectId, apiKey, `/users/${BENCH_USER}/credentials`, { integration: integration.type, accessToken: API_TOKEN });

      const direct = await runLoad({ ...ctx.load, url: `${api.url}/v1/items/42`, headers: { authorization: `Bearer ${API_TOKEN}` } }, api.meter);
      const proxied = await runLoad({ ...ctx.load, url: `${ctx.sdkUrl}/proxy/${integration.type}/items/42`, headers: { authorization: `Bearer ${ctx.warmToken}` } }, ctx.server.meter);
      const round = (n: number) => Math.round(n * 100) / 100;
      return fromLoad(proxied, {
        direct: { perSecond: direct.requestsPerSecond, p50Ms: direct.p50Ms, p99Ms: direct.p99Ms, errors: direct.errors, cpuPercent: direct.cpuPercent },
        /** Proxied throughput over direct throughput, same run. */
        overheadRatio: direct.requestsPerSecond > 0 ? round(proxied.requestsPerSecond / direct.requestsPerSecond) : null,
        addedP50Ms: round(proxied.p50Ms - direct.p50Ms),
        addedP99Ms: round(proxied.p99Ms - direct.p99Ms),
      });
    } finally {
      await api.stop();
    }
  },
};
