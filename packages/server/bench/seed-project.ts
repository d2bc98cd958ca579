import type { AppStore as Store } from '../src/domain/database.ts';
import { signUserToken } from '../src/platform/crypto/user-token-signer.ts';
import { createProject } from '../src/domain/projects/index.ts';

/** The user every single-user scenario reads: 5 integrations, 2 credentials each, 1 KiB metadata. */
export const BENCH_USER = 'bench-user';
const INTEGRATION_TYPES = ['salesforce', 'hubspot', 'slack', 'jira', 'notion'] as const;
const CREDENTIALS_PER_INTEGRATION = 2;
const METADATA_BYTES = 1024;

export interface BenchProject {
  projectId: string;
  apiKey: string;
  privateKeyPem: string;
  integrations: Array<{ id: string; type: string }>;
  /** Workflows enabled on install, by integration id: what a fresh credential gets. */
  defaultWorkflowByIntegration: Map<string, string>;
  /** `GET /sdk/me` of the bench user, as served: the baseline answers an object of the same size. */
  meBody: string;
}

export function createBenchProject(store: Store) {
  return createProject(store, { name: 'Benchmark', plan: 'enterprise' });
}

async function call(baseUrl: string, method: string, path: string, bearer: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** About `bytes` of JSON metadata with the keys a real app sets. */
export function metadataOfSize(bytes: number, index: number): Record<string, unknown> {
  const meta: Record<string, unknown> = { Name: `Bench User ${index}`, Email: `user${index}@example.com`, plan: 'pro', seats: 25, region: 'eu-west-1' };
  let field = 0;
  while (JSON.stringify(meta).length < bytes - 40) meta[`attribute_${field++}`] = `value-${index}-${'x'.repeat(16)}`;
  const missing = bytes - JSON.stringify(meta).length - `,"note":""`.length;
  if (missing > 0) meta.note = 'n'.repeat(missing);
  return meta;
}

/**
 * Integrations, workflows and the bench user's credentials go through the Admin API of the running
 * server, the user's metadata through `PATCH /sdk/me`: the same paths an app would take.
 */
export async function seedThroughApi(baseUrl: string, project: { projectId: string; apiKey: string; privateKeyPem: string }): Promise<BenchProject> {
  const admin = `/api/v1/projects/${project.projectId}`;
  const integrations: BenchProject['integrations'] = [];
  const defaultWorkflowByIntegration = new Map<string, string>();
  for (const type of INTEGRATION_TYPES) {
    const integration = (await call(baseUrl, 'POST', `${admin}/integrations`, project.apiKey, { type })) as { id: string; type: string };
    integrations.push({ id: integration.id, type: integration.type });
    for (const [n, defaultEnabled] of [[1, true], [2, false]] as const) {
      const workflow = (await call(baseUrl, 'POST', `${admin}/workflows`, project.apiKey, { name: `${type} workflow ${n}`, integration: type, defaultEnabled })) as { id: string };
      if (defaultEnabled) defaultWorkflowByIntegration.set(integration.id, workflow.id);
    }
    for (let n = 1; n <= CREDENTIALS_PER_INTEGRATION; n++) {
      await call(baseUrl, 'POST', `${admin}/users/${BENCH_USER}/credentials`, project.apiKey, {
        integration: type,
        accessToken: `bench-access-${type}-${n}`,
        refreshToken: `bench-refresh-${type}-${n}`,
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        providerId: `${type}-account-${n}`,
        providerData: { accountName: `Bench ${type} ${n}`, instanceUrl: `https://bench-${n}.${type}.example.com` },
        externalId: `${type}-${n}`,
      });
    }
  }
  const token = await signUserToken({ privateKeyPem: project.privateKeyPem, projectId: project.projectId, userId: BENCH_USER, ttlSeconds: 3600 });
  const sdk = `/projects/${project.projectId}/sdk`;
  await call(baseUrl, 'PATCH', `${sdk}/me`, token, { meta: metadataOfSize(METADATA_BYTES, 0) });
  const me = (await call(baseUrl, 'GET', `${sdk}/me`, token)) as { integrations: Record<string, { allCredentials: unknown[] }> };
  const counts = INTEGRATION_TYPES.map((type) => me.integrations[type]?.allCredentials.length ?? 0);
  if (counts.some((c) => c !== CREDENTIALS_PER_INTEGRATION)) throw new Error(`The bench user's /sdk/me lists ${counts.join('/')} credentials per integration, not ${CREDENTIALS_PER_INTEGRATION}.`);
  return { ...project, integrations, defaultWorkflowByIntegration, meBody: JSON.stringify(me) };
}
