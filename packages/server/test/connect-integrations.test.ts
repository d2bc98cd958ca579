import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';

describe.each(STORES)('Connect API: integrations, workflows, credentials (%s)', (kind) => {
  let portico: Portico;
  let seed: Awaited<ReturnType<typeof seedSalesforce>>;
  beforeAll(async () => {
    portico = await startPortico(kind);
    seed = await seedSalesforce(portico, 'acme');
    await portico.admin('POST', '/integrations', { type: 'custom.tasklab', name: 'TaskLab' });
  });
  afterAll(() => portico.close());

  const me = async (sub: string) => (await portico.connect(sub, 'GET', '/sdk/me')).json();

  it('GET /sdk/integrations lists project integrations in the SDK shape', async () => {
    const response = await portico.connect('acme', 'GET', '/sdk/integrations');
    expect(response.statusCode).toBe(200);
    const list = response.json();
    const salesforce = list.find((i: { type: string }) => i.type === 'salesforce');
    expect(salesforce).toMatchObject({ id: seed.integration.id, isActive: true, hasCredential: true, customIntegration: null, name: 'Salesforce' });
    expect(salesforce.configs).toHaveLength(1);
    expect(Object.keys(salesforce.configs[0].values.workflowMeta).sort()).toEqual([seed.onByDefault.id, seed.offByDefault.id].sort());
    expect(salesforce.workflows.map((w: { id: string }) => w.id).sort()).toEqual([seed.onByDefault.id, seed.offByDefault.id].sort());
    const custom = list.find((i: { type: string }) => i.type === 'custom');
    expect(custom.customIntegration).toMatchObject({ slug: 'custom.tasklab', name: 'TaskLab' });
    expect(custom.hasCredential).toBe(false);
  });

  it('enables and disables a workflow for the user', async () => {
    const enable = await portico.connect('acme', 'POST', `/sdk/workflows/${seed.offByDefault.id}`, undefined, { 'content-type': 'application/json' });
    expect(enable.statusCode, enable.body).toBe(200);
    expect(enable.json()).toMatchObject({ workflowId: seed.offByDefault.id, enabled: true, credentialId: seed.credential.id });
    expect((await me('acme')).integrations.salesforce.workflowSettings[seed.offByDefault.id]).toEqual({ enabled: true, settings: {} });

    const disable = await portico.connect('acme', 'DELETE', `/sdk/workflows/${seed.offByDefault.id}`, undefined, { 'x-paragon-credential': seed.credential.id });
    expect(disable.statusCode).toBe(200);
    expect((await me('acme')).integrations.salesforce.workflowSettings[seed.offByDefault.id].enabled).toBe(false);
  });

  it('refuses to enable a workflow without a VALID credential', async () => {
    const noCredential = await portico.connect('nobody', 'POST', `/sdk/workflows/${seed.offByDefault.id}`);
    expect(noCredential.statusCode).toBe(404);
    expect(noCredential.json().code).toBe('INTEGRATION_NOT_INSTALLED');

    await portico.admin('POST', '/users/invalid-user/credentials', { integration: 'salesforce', accessToken: 't', status: 'INVALID' });
    const invalid = await portico.connect('invalid-user', 'POST', `/sdk/workflows/${seed.offByDefault.id}`);
    expect(invalid.statusCode).toBe(409);
    expect(invalid.json()).toMatchObject({ code: 'CREDENTIAL_NOT_VALID', meta: { credentialStatus: 'INVALID' } });

    const unknown = await portico.connect('acme', 'POST', '/sdk/workflows/7c9e6679-7425-40de-944b-e07fc1f90ae7');
    expect(unknown.json().code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('GET /sdk/credentials lists the user\'s credentials; ?integration gives the account', async () => {
    const list = (await portico.connect('acme', 'GET', '/sdk/credentials')).json();
    expect(list.map((c: { id: string }) => c.id)).toEqual([seed.credential.id]);
    const one = await portico.connect('acme', 'GET', `/sdk/credentials/${seed.credential.id}`);
    expect(one.json()).toMatchObject({ id: seed.credential.id, status: 'VALID', providerId: '00502000000abc' });

    const account = (await portico.connect('acme', 'GET', '/sdk/credentials?integration=salesforce&includeAccountAuth=true')).json();
    expect(account).toMatchObject({ type: 'salesforce', hasCredential: true, credentialId: seed.credential.id, accountAuth: { OAUTH_ACCESS_TOKEN: 'sf-access-token-SECRET-1' } });
    const withoutAuth = (await portico.connect('acme', 'GET', '/sdk/credentials?integration=salesforce')).json();
    expect(withoutAuth.accountAuth).toBeUndefined();
  });

  it("never shows one user another user's credential", async () => {
    const response = await portico.connect('someone-else', 'GET', `/sdk/credentials/${seed.credential.id}`);
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('CREDENTIAL_NOT_FOUND');
    const patch = await portico.connect('someone-else', 'PATCH', `/sdk/credentials/${seed.credential.id}`, { config: { sharedSettings: { x: 1 } } });
    expect(patch.statusCode).toBe(404);
    const uninstall = await portico.connect('someone-else', 'DELETE', `/sdk/integrations/${seed.integration.id}`, undefined, { 'x-paragon-credential': seed.credential.id });
    expect(uninstall.statusCode).toBe(404);
    expect((await me('acme')).integrations.salesforce.allCredentials).toHaveLength(1);
  });

  it('PATCH /sdk/credentials/{id} replaces shared and workflow settings', async () => {
    const shared = await portico.connect('acme', 'PATCH', `/sdk/credentials/${seed.credential.id}`, { config: { sharedSettings: { folder: 'Inbox', limit: 10 } } });
    expect(shared.statusCode, shared.body).toBe(200);
    expect(shared.json().errors).toEqual([]);
    expect(shared.json().configurations[0].sharedSettings).toEqual({ folder: 'Inbox', limit: 10 });

    const workflowSettings = { [seed.onByDefault.id]: { enabled: true, settings: { owner: 'ada' } } };
    const workflows = await portico.connect('acme', 'PATCH', `/sdk/credentials/${seed.credential.id}`, { config: { workflowSettings } });
    expect(workflows.statusCode, workflows.body).toBe(200);
    const state = (await me('acme')).integrations.salesforce;
    expect(state.sharedSettings).toEqual({ folder: 'Inbox', limit: 10 });
    expect(state.workflowSettings).toEqual(workflowSettings);

    const bad = await portico.connect('acme', 'PATCH', `/sdk/credentials/${seed.credential.id}`, { config: { workflowSettings: { 'not-a-workflow': { enabled: true } } } });
    expect(bad.statusCode).toBe(400);
    expect((await me('acme')).integrations.salesforce.workflowSettings).toEqual(workflowSettings);
  });

  it('uninstalls one credential with X-Paragon-Credential, or every credential of the integration', async () => {
    const first = (await portico.admin('POST', '/users/multi/credentials', { integration: 'salesforce', accessToken: 'a1', providerId: 'one' })).json();
    const second = (await portico.admin('POST', '/users/multi/credentials', { integration: 'salesforce', accessToken: 'a2', providerId: 'two' })).json();
    expect((await me('multi')).integrations.salesforce.allCredentials).toHaveLength(2);

    const one = await portico.connect('multi', 'DELETE', `/sdk/integrations/${seed.integration.id}`, undefined, {
      'x-paragon-credential': first.id,
      'content-type': 'application/json',
    });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().deletedCredentialIds).toEqual([first.id]);
    const after = (await me('multi')).integrations.salesforce;
    expect(after).toMatchObject({ credentialId: second.id, providerId: 'two', enabled: true });
    expect(after.allCredentials).toHaveLength(1);

    await portico.admin('POST', '/users/multi/credentials', { integration: 'salesforce', accessToken: 'a3' });
    const all = await portico.connect('multi', 'DELETE', `/sdk/integrations/${seed.integration.id}`);
    expect(all.json().deletedCredentialIds).toHaveLength(2);
    expect((await me('multi')).integrations.salesforce).toEqual({ enabled: false, allCredentials: [] });

    const again = await portico.connect('multi', 'DELETE', `/sdk/integrations/${seed.integration.id}`);
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('INTEGRATION_NOT_INSTALLED');
  });

  it('clears settings and workflow enablement on uninstall; a reinstall starts from defaults', async () => {
    const cred = (await portico.admin('POST', '/users/reinstall/credentials', { integration: 'salesforce', accessToken: 'r1' })).json();
    await portico.connect('reinstall', 'PATCH', `/sdk/credentials/${cred.id}`, { config: { sharedSettings: { a: 1 } } });
    await portico.connect('reinstall', 'POST', `/sdk/workflows/${seed.offByDefault.id}`);
    await portico.connect('reinstall', 'DELETE', '/sdk/integrations/salesforce');
    await portico.admin('POST', '/users/reinstall/credentials', { integration: 'salesforce', accessToken: 'r2' });
    const state = (await me('reinstall')).integrations.salesforce;
    expect(state.sharedSettings).toEqual({});
    expect(state.workflowSettings).toEqual({ [seed.onByDefault.id]: { enabled: true, settings: {} } });
  });
});
