import { afterAll, beforeAll, expect } from 'vitest';
import { startPortico, type Portico, type StoreKind } from '../harness.ts';
import { LocalApi } from './local-api.ts';
import { MockProvider } from './oauth-provider.ts';
import { waitFor } from './jobs.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Runs wait for jobs: up to 15 s on a loaded machine. */
export const until = <T>(what: string, probe: () => Promise<T | undefined | false>) => waitFor(what, probe, 15_000);

/**
 * A server whose workflows run for the workflow suites: a real local HTTP server standing for the
 * app's own API and for the integration's API (which checks the credential's token), a custom
 * OAuth integration "Acme CRM" whose API base is that server, and the job workers started.
 * Call inside a `describe`; values are there once its `beforeAll` has run.
 */
export function workflowsSuite(kind: StoreKind) {
  let portico: Portico;
  let api: LocalApi;
  let provider: MockProvider;
  let acme: { id: string; type: string };

  beforeAll(async () => {
    api = new LocalApi();
    await api.start();
    provider = new MockProvider();
    await provider.start();
    portico = await startPortico(kind, {
      config: { PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1', PORTICO_REQUEST_TRIGGER_WAIT_MS: '1500', PORTICO_JOB_POLL_INTERVAL_MS: '50' },
    });
    const { authorizationUrl, tokenUrl } = provider.endpoints();
    const created = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Acme CRM', clientId: 'acme-client', clientSecret: 'acme-secret',
      auth: { scheme: 'oauth2', authorizationUrl, tokenUrl },
      apiBaseUrl: `${api.url}/acme/v2`,
    });
    expect(created.statusCode, created.body).toBe(201);
    acme = created.json();
    await portico.ctx.jobs.start();
  });

  afterAll(async () => {
    await portico?.ctx.jobs.stop();
    await portico?.close();
    await api?.stop();
    await provider?.stop();
  });

  /** The user with `meta`, connected to Acme CRM by an imported credential; its id. */
  async function connectUser(sub: string, meta: Record<string, unknown>, accessToken: string): Promise<string> {
    api.tokens.add(accessToken);
    // The app's own API (the same local server) accepts the user's apiKey.
    if (typeof meta.apiKey === 'string') api.tokens.add(meta.apiKey);
    expect((await portico.connect(sub, 'PATCH', '/sdk/me', { meta })).statusCode).toBe(200);
    const imported = await portico.admin('POST', `/users/${sub}/credentials`, { integration: acme.type, accessToken, providerId: `acct-${sub}` });
    expect(imported.statusCode, imported.body).toBe(201);
    return imported.json().id;
  }

  async function define(body: Record<string, unknown>): Promise<{ id: string }> {
    const response = await portico.admin('POST', '/workflows', { integration: acme.type, ...body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  async function executionsOf(workflowId: string) {
    return portico.store.db.selectFrom('workflow_executions').selectAll().where('workflow_id', '=', workflowId).orderBy('created_at').execute();
  }

  async function finished(workflowId: string, count = 1) {
    return until(`${count} finished run(s) of ${workflowId}`, async () => {
      const rows = await executionsOf(workflowId);
      const done = rows.filter((r) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status));
      return done.length >= count ? done : undefined;
    });
  }

  return {
    get portico() { return portico; },
    get api() { return api; },
    get acme() { return acme; },
    connectUser, define, executionsOf, finished,
  };
}
