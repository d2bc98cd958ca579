import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { waitFor } from './support/jobs.ts';

/** Support acting for a user through the Admin API: disconnect an integration, enable or disable a workflow. */
describe.each(STORES)('user operations (%s)', (kind) => {
  let portico: Portico;
  let seeded: Awaited<ReturnType<typeof seedSalesforce>>;
  beforeAll(async () => {
    portico = await startPortico(kind, { config: { PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1', PORTICO_JOB_POLL_INTERVAL_MS: '50' } });
    seeded = await seedSalesforce(portico, 'dora');
    await portico.ctx.jobs.start();
  });
  afterAll(async () => {
    await portico.ctx.jobs.stop({ drainMs: 500 });
    await portico.close();
  });

  const timeline = async (userId: string) => (await portico.admin('GET', `/users/${userId}/events?limit=50`)).json().data as Array<{ type: string; actor: { kind: string; name: string }; changes: Record<string, unknown> }>;

  it('disconnects an integration as the user would, recording the API key as the actor', async () => {
    const imported = await portico.admin('POST', '/users/dan/credentials', { integration: 'salesforce', accessToken: 'dan-token' });
    expect(imported.statusCode, imported.body).toBe(201);
    const response = await portico.admin('DELETE', '/users/dan/integrations/salesforce');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ integrationType: 'salesforce', deletedCredentialIds: expect.arrayContaining([imported.json().id]) });
    const me = (await portico.connect('dan', 'GET', '/sdk/me')).json();
    expect(me.integrations.salesforce).toMatchObject({ enabled: false, allCredentials: [] });
    const [latest] = await timeline('dan');
    expect(latest).toMatchObject({ type: 'integration.uninstalled', actor: { kind: 'api_key' } });

    const again = await portico.admin('DELETE', '/users/dan/integrations/salesforce');
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('INTEGRATION_NOT_INSTALLED');
  });

  it('answers 404 with a stable code for an unknown user or integration', async () => {
    const nobody = await portico.admin('DELETE', '/users/nobody/integrations/salesforce');
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().code).toBe('USER_NOT_FOUND');
    const unknown = await portico.admin('DELETE', '/users/dora/integrations/hubspot');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('INTEGRATION_NOT_FOUND');
    expect((await portico.connect('dora', 'GET', '/sdk/me')).json().integrations.salesforce.enabled).toBe(true);
  });

  it('revokes the token at the provider when the integration supports it', async () => {
    const seen: Array<Record<string, string>> = [];
    const sink = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push(Object.fromEntries(new URLSearchParams(body)));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
      const created = await portico.admin('POST', '/integrations', {
        type: 'custom', name: 'Revoking CRM', clientId: 'rev-client', clientSecret: 'REV-CLIENT-SECRET',
        auth: { scheme: 'oauth2', authorizationUrl: `${base}/authorize`, tokenUrl: `${base}/token`, revokeUrl: `${base}/revoke` },
      });
      expect(created.statusCode, created.body).toBe(201);
      const integration = created.json();
      const imported = await portico.admin('POST', '/users/rita/credentials', { integration: integration.type, accessToken: 'rita-access', refreshToken: 'rita-refresh' });
      expect(imported.statusCode, imported.body).toBe(201);
      const response = await portico.admin('DELETE', `/users/rita/integrations/${integration.type}`);
      expect(response.statusCode, response.body).toBe(200);
      await waitFor('the revocation', () => seen.length > 0 || undefined, 10_000);
      expect(seen[0]).toMatchObject({ token: 'rita-refresh', token_type_hint: 'refresh_token', client_id: 'rev-client' });
    } finally {
      sink.close();
    }
  });

  it('enables and disables a workflow for a user, as the Connect API does, with the API key as the actor', async () => {
    const id = seeded.offByDefault.id as string;
    const enabled = await portico.admin('POST', `/users/dora/workflows/${id}`);
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json()).toMatchObject({ workflowId: id, enabled: true, credentialId: seeded.credential.id });
    let me = (await portico.connect('dora', 'GET', '/sdk/me')).json();
    expect(me.integrations.salesforce.workflowSettings[id]).toMatchObject({ enabled: true });
    expect((await timeline('dora'))[0]).toMatchObject({ type: 'workflow.enabled', actor: { kind: 'api_key' } });

    const disabled = await portico.admin('DELETE', `/users/dora/workflows/${id}`);
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json()).toMatchObject({ workflowId: id, enabled: false });
    me = (await portico.connect('dora', 'GET', '/sdk/me')).json();
    expect(me.integrations.salesforce.workflowSettings[id]).toMatchObject({ enabled: false });
    expect((await timeline('dora'))[0]).toMatchObject({ type: 'workflow.disabled', actor: { kind: 'api_key' } });
  });

  it('takes X-Paragon-Credential to pick the credential, and refuses unknown users, workflows and credentials', async () => {
    const id = seeded.offByDefault.id as string;
    const picked = await portico.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${portico.project.projectId}/users/dora/workflows/${id}`,
      headers: { authorization: `Bearer ${portico.project.apiKey}`, 'x-paragon-credential': seeded.credential.id },
    });
    expect(picked.statusCode, picked.body).toBe(200);
    expect(picked.json().credentialId).toBe(seeded.credential.id);
    const wrong = await portico.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${portico.project.projectId}/users/dora/workflows/${id}`,
      headers: { authorization: `Bearer ${portico.project.apiKey}`, 'x-paragon-credential': '00000000-0000-4000-8000-000000000000' },
    });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().code).toBe('CREDENTIAL_NOT_FOUND');
    const nobody = await portico.admin('POST', `/users/nobody/workflows/${id}`);
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().code).toBe('USER_NOT_FOUND');
    const noWorkflow = await portico.admin('DELETE', '/users/dora/workflows/00000000-0000-4000-8000-000000000000');
    expect(noWorkflow.statusCode).toBe(404);
    expect(noWorkflow.json().code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('needs the users:write scope', async () => {
    const key = (await portico.admin('POST', '/api-keys', { name: 'reader', scopes: ['users:read'] })).json().key as string;
    const response = await portico.app.inject({
      method: 'DELETE',
      url: `/api/v1/projects/${portico.project.projectId}/users/dora/integrations/salesforce`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'API_KEY_SCOPE_MISSING', meta: { required: 'users:write' } });
  });
});
