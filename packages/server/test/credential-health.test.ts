import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { MutableResponse } from 'oauth2-mock-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSecrets, sweepExpiringCredentials, usableSecrets } from '../src/domain/connections/index.ts';
import { isAppError } from '../src/platform/errors.ts';
import { STORES } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { oauthInstallSuite } from './support/oauth-install-suite.ts';

/**
 * Credential health against a real OAuth 2.0 server on loopback: the durable refresher renews
 * short-lived tokens before they expire, a revoked refresh token makes the credential INVALID with
 * a reason, reconnecting recovers it in place, transient failures are retried without touching the
 * status, and concurrent users of a credential share one renewal.
 */
describe.each(STORES)('credential health (%s)', (kind) => {
  const s = oauthInstallSuite(kind);
  const { provider, connectApi, startFlow, callback, session, eventCount } = s;

  /** What the token endpoint answers, beyond MockProvider's own hooks. */
  const tokens = {
    /** expires_in of every answer. */
    ttlSeconds: 3600,
    /** Leave refresh_token out of refresh answers (the old one stays valid). */
    omitRefreshToken: false,
    /** Refresh tokens the provider has revoked: invalid_grant. */
    revoked: new Set<string>(),
    /** Answer this many refreshes with 503. */
    unavailable: 0,
    /** Refresh tokens presented, in order. */
    refreshes: [] as string[],
  };

  beforeAll(async () => {
    provider.server.service.on('beforeResponse', (response: MutableResponse, request: IncomingMessage & { body: Record<string, string> }) => {
      const body = response.body as Record<string, unknown>;
      if (request.body.grant_type === 'refresh_token') {
        tokens.refreshes.push(request.body.refresh_token!);
        if (tokens.revoked.has(request.body.refresh_token!)) {
          response.statusCode = 400;
          response.body = { error: 'invalid_grant', error_description: 'Token has been revoked' };
          return;
        }
        if (tokens.unavailable > 0) {
          tokens.unavailable--;
          response.statusCode = 503;
          response.body = { error: 'temporarily_unavailable' };
          return;
        }
        // The mock's JWTs of one second are alike; a renewal must be told apart from the token it replaces.
        body.access_token = `renewed-${randomUUID()}`;
        if (tokens.omitRefreshToken) delete body.refresh_token;
      }
      body.expires_in = tokens.ttlSeconds;
    });
    await s.portico.ctx.jobs.start();
  });

  afterAll(async () => {
    await s.portico?.ctx.jobs.stop({ drainMs: 1000 });
  });

  beforeEach(() => {
    tokens.ttlSeconds = 3600;
    tokens.omitRefreshToken = false;
    tokens.unavailable = 0;
  });

  async function connect(sub: string, installOptions: Record<string, unknown> = {}): Promise<string> {
    const flow = await startFlow(sub, s.custom, installOptions);
    const page = await callback(flow.callbackUrl, flow.cookie);
    expect(page.status, page.html).toBe(200);
    return (await session(flow)).connectCredentialId as string;
  }

  const credential = async (sub: string, id: string) => (await connectApi(sub, 'GET', `/credentials/${id}`)).json;
  const hitsOf = (refreshToken: string) => tokens.refreshes.filter((t) => t === refreshToken).length;

  async function eventsOf(type: string, credentialId: string) {
    const { rows } = await sql<{ data: string | Record<string, unknown>; user_id: string }>`select data, user_id from events where type = ${type}`.execute(s.portico.store.db);
    return rows
      .map((row) => ({ userId: row.user_id, data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown> }))
      .filter((event) => event.data.credentialId === credentialId);
  }

  it('renews a 20-second token 15-20 s after issue, keeping the refresh token the provider did not resend', async () => {
    tokens.ttlSeconds = 20;
    tokens.omitRefreshToken = true;
    const id = await connect('renee');
    const issued = Date.now();
    const before = (await readSecrets(s.portico.ctx, id))!;
    const stored = await credential('renee', id);
    expect(stored).toMatchObject({ status: 'VALID', dateRefreshed: null, dateValidUntil: expect.any(String), refreshFailureCount: 0, statusReason: null });

    const after = await waitFor('the renewal', async () => {
      const secrets = (await readSecrets(s.portico.ctx, id))!;
      return secrets.accessToken !== before.accessToken ? secrets : undefined;
    }, 30_000);
    const renewedAfterMs = Date.now() - issued;
    // The rule says 15 s; the job queue polls every second. Generous bounds, not a timing test.
    expect(renewedAfterMs).toBeGreaterThan(10_000);
    expect(renewedAfterMs).toBeLessThan(21_000);
    expect(after.refreshToken).toBe(before.refreshToken);
    expect(hitsOf(before.refreshToken!)).toBe(1);

    const renewed = await credential('renee', id);
    expect(renewed.status).toBe('VALID');
    expect(Date.parse(renewed.dateValidUntil)).toBeGreaterThan(Date.parse(stored.dateValidUntil));
    expect(Date.parse(renewed.dateRefreshed)).toBeGreaterThan(issued);
    // The next renewal is scheduled for the new expiry.
    const next = await s.portico.ctx.jobs.list({ name: 'portico.credentials.refresh', limit: 500 });
    expect(next.some((job) => (job.payload as { credentialId: string; expiresAt: string }).credentialId === id
      && Date.parse((job.payload as { expiresAt: string }).expiresAt) === Date.parse(renewed.dateValidUntil))).toBe(true);
    // Stop renewing this one: the rest of the suite should not race with it.
    await s.portico.store.db.updateTable('credentials').set({ expires_at: null }).where('id', '=', id).execute();
  }, 40_000);

  it('marks the credential INVALID with a reason when the provider revokes the refresh token; reconnecting recovers it in place', async () => {
    tokens.ttlSeconds = 4;
    const id = await connect('ravi');
    await connectApi('ravi', 'PATCH', `/credentials/${id}`, { config: { sharedSettings: { pipeline: 'sales' } } });
    const secrets = (await readSecrets(s.portico.ctx, id))!;
    tokens.revoked.add(secrets.refreshToken!);
    tokens.ttlSeconds = 3600;

    const invalid = await waitFor('the credential to turn INVALID', async () => {
      const current = await credential('ravi', id);
      return current.status === 'INVALID' ? current : undefined;
    }, 15_000);
    expect(invalid).toMatchObject({ refreshFailureCount: 1, dateStatusChanged: expect.any(String) });
    expect(invalid.statusReason).toMatch(/invalid_grant/);
    expect(invalid.statusReason).toMatch(/revoked/);
    expect(invalid.statusReason).not.toContain(secrets.refreshToken);
    expect(hitsOf(secrets.refreshToken!)).toBe(1);
    expect(await eventsOf('credential.invalid', id)).toEqual([{ userId: expect.any(String), data: expect.objectContaining({ credentialId: id, integrationType: s.custom.type, reason: invalid.statusReason }) }]);

    const me = (await connectApi('ravi', 'GET', '/me')).json;
    expect(me.integrations[s.custom.type]).toMatchObject({ enabled: false, credentialId: id, credentialStatus: 'INVALID' });
    // Users of the credential fail fast, without asking the provider again.
    const refused = await usableSecrets(s.portico.ctx, id).catch((error: unknown) => error);
    expect(isAppError(refused) && refused.toBody()).toMatchObject({ code: 'CREDENTIAL_INVALID', status: 401, meta: { credentialId: id } });
    expect(hitsOf(secrets.refreshToken!)).toBe(1);

    const recovered = await eventCount('credential.recovered');
    expect(await connect('ravi', { selectedCredentialId: id })).toBe(id);
    const after = await credential('ravi', id);
    expect(after).toMatchObject({ id, status: 'VALID', refreshFailureCount: 0, configurations: [{ sharedSettings: { pipeline: 'sales' } }] });
    expect(after.statusReason).toMatch(/reconnected/);
    expect(await eventCount('credential.recovered')).toBe(recovered + 1);
    expect(await eventsOf('credential.recovered', id)).toEqual([{ userId: expect.any(String), data: expect.objectContaining({ credentialId: id }) }]);
    expect((await connectApi('ravi', 'GET', '/me')).json.integrations[s.custom.type]).toMatchObject({ enabled: true, credentialStatus: 'VALID' });
    expect((await usableSecrets(s.portico.ctx, id)).accessToken).not.toBe(secrets.accessToken);
  }, 30_000);

  it('retries a renewal the provider answers 503 to, leaving the credential VALID', async () => {
    tokens.ttlSeconds = 4;
    const id = await connect('tess');
    const before = (await readSecrets(s.portico.ctx, id))!;
    tokens.ttlSeconds = 3600;
    tokens.unavailable = 1;

    const failed = await waitFor('a failed renewal to be counted', async () => {
      const current = await credential('tess', id);
      return current.refreshFailureCount === 1 ? current : undefined;
    }, 15_000);
    expect(failed).toMatchObject({ status: 'VALID', statusReason: null });

    await waitFor('the retried renewal', async () => (await readSecrets(s.portico.ctx, id))!.accessToken !== before.accessToken, 15_000);
    expect(hitsOf(before.refreshToken!)).toBe(2);
    expect(await credential('tess', id)).toMatchObject({ status: 'VALID', refreshFailureCount: 0 });
    expect(await eventsOf('credential.invalid', id)).toEqual([]);
    const jobs = await s.portico.ctx.jobs.list({ name: 'portico.credentials.refresh', limit: 500 });
    const first = jobs.find((job) => (job.payload as { credentialId: string }).credentialId === id && job.attempts === 2);
    expect(first, JSON.stringify(jobs.map((j) => [j.payload, j.state, j.attempts]))).toMatchObject({ state: 'succeeded', lastError: expect.stringMatching(/503/) });
  }, 30_000);

  it('shows a renewal in GET /sdk/me at once, though the answer before it was served from the cache', async () => {
    const id = await connect('cam');
    const before = (await readSecrets(s.portico.ctx, id))!;
    const shown = async () => {
      const me = (await connectApi('cam', 'GET', '/me')).json as { integrations: Record<string, { allCredentials?: Array<{ id: string; dateRefreshed: string | null }> }> };
      return Object.values(me.integrations).flatMap((integration) => integration.allCredentials ?? []).find((c) => c.id === id)!;
    };
    // Read three times: kept on the second read, served from memory on the third.
    for (let i = 0; i < 3; i++) expect((await shown()).dateRefreshed).toBeNull();
    const renewed = await usableSecrets(s.portico.ctx, id, { rejectedAccessToken: before.accessToken! });
    expect(renewed.accessToken).not.toBe(before.accessToken);
    // A renewal emits no event (it is routine), so the node drops the user's answers itself.
    expect((await shown()).dateRefreshed).toBe((await credential('cam', id)).dateRefreshed);
    expect((await shown()).dateRefreshed).not.toBeNull();
  });

  it('refreshes once for ten concurrent callers that saw the provider refuse the token', async () => {
    const id = await connect('cora');
    const before = (await readSecrets(s.portico.ctx, id))!;
    const results = await Promise.all(Array.from({ length: 10 }, () => usableSecrets(s.portico.ctx, id, { rejectedAccessToken: before.accessToken! })));
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(results[0]!.accessToken).not.toBe(before.accessToken);
    expect(hitsOf(before.refreshToken!)).toBe(1);
    // A caller late with the old token gets the new one, without another renewal.
    const late = await usableSecrets(s.portico.ctx, id, { rejectedAccessToken: before.accessToken! });
    expect(late.accessToken).toBe(results[0]!.accessToken);
    expect(tokens.refreshes.filter((t) => t === results[0]!.refreshToken)).toHaveLength(0);
    expect(await credential('cora', id)).toMatchObject({ status: 'VALID', refreshFailureCount: 0 });
  });

  it.runIf(kind === 'postgres')('shows a renewal in GET /sdk/me on another node at once, though that node served the answer before it from its cache', async () => {
    const id = await connect('carl');
    const before = (await readSecrets(s.portico.ctx, id))!;
    const second = await s.portico.startSecondNode();
    try {
      const token = await s.portico.token('carl');
      const shownOnSecond = async () => {
        const response = await second.app.inject({ method: 'GET', url: `/projects/${s.portico.project.projectId}/sdk/me`, headers: { authorization: `Bearer ${token}` } });
        const me = response.json() as { integrations: Record<string, { allCredentials?: Array<{ id: string; dateRefreshed: string | null }> }> };
        return Object.values(me.integrations).flatMap((integration) => integration.allCredentials ?? []).find((c) => c.id === id)!;
      };
      // Kept on the second read, served from the second node's memory on the third.
      for (let i = 0; i < 3; i++) expect((await shownOnSecond()).dateRefreshed).toBeNull();
      await usableSecrets(s.portico.ctx, id, { rejectedAccessToken: before.accessToken! });
      // The renewal has no event; its notice reaches the second node well before its project state
      // (5 s) would be reloaded.
      await expect.poll(async () => (await shownOnSecond()).dateRefreshed, { timeout: 2000, interval: 50 }).not.toBeNull();
    } finally {
      await second.close();
    }
  });

  it.runIf(kind === 'postgres')('refreshes once when callers on two nodes see the provider refuse the token at once', async () => {
    const id = await connect('nina');
    const before = (await readSecrets(s.portico.ctx, id))!;
    const second = await s.portico.startSecondNode();
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        usableSecrets(i % 2 === 0 ? s.portico.ctx : second.ctx, id, { rejectedAccessToken: before.accessToken! })));
      expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      expect(hitsOf(before.refreshToken!)).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('tells PENDING, missing and unrenewable credentials apart', async () => {
    const missing = await usableSecrets(s.portico.ctx, '00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(isAppError(missing) && missing.code).toBe('CREDENTIAL_NOT_FOUND');

    // Imported without a refresh token, expired: nothing can renew it.
    const imported = await s.portico.admin('POST', '/users/olga/credentials', {
      integration: s.custom.type, accessToken: 'olga-access-SECRET', expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(imported.statusCode).toBe(201);
    const id = imported.json().id as string;
    const expired = await usableSecrets(s.portico.ctx, id).catch((e: unknown) => e);
    expect(isAppError(expired) && expired.toBody()).toMatchObject({ code: 'CREDENTIAL_INVALID', meta: { reason: expect.stringMatching(/no refresh token/) } });
    expect(await credential('olga', id)).toMatchObject({ status: 'INVALID', statusReason: expect.stringMatching(/expired/) });

    await s.portico.store.db.updateTable('credentials').set({ status: 'PENDING' }).where('id', '=', id).execute();
    const pending = await usableSecrets(s.portico.ctx, id).catch((e: unknown) => e);
    expect(isAppError(pending) && pending.toBody()).toMatchObject({ code: 'CREDENTIAL_PENDING', status: 409 });
  });

  it('reports a transient failure of an on-demand renewal as PROVIDER_UNAVAILABLE, retryable', async () => {
    const id = await connect('uma');
    const before = (await readSecrets(s.portico.ctx, id))!;
    tokens.unavailable = 1;
    const error = await usableSecrets(s.portico.ctx, id, { rejectedAccessToken: before.accessToken! }).catch((e: unknown) => e);
    expect(isAppError(error) && error.toBody()).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 502, meta: { retryable: true, credentialId: id, refreshFailureCount: 1 } });
    expect(await credential('uma', id)).toMatchObject({ status: 'VALID', refreshFailureCount: 1 });
    const renewed = await usableSecrets(s.portico.ctx, id, { rejectedAccessToken: before.accessToken! });
    expect(renewed.accessToken).not.toBe(before.accessToken);
    expect(await credential('uma', id)).toMatchObject({ status: 'VALID', refreshFailureCount: 0 });
  });
  it('revokes the grant at the provider after an uninstall, with the token sealed in the job and never blocking the delete', async () => {
    const seen: Array<{ form: Record<string, string>; authorization: string | undefined }> = [];
    let answer = 200;
    const sink = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ form: Object.fromEntries(new URLSearchParams(body)), authorization: request.headers.authorization });
        response.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const revokeUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/revoke`;
      const revoking = (await s.portico.admin('POST', '/integrations', {
        type: 'custom', name: 'Revoking CRM', clientId: 'rev-client', clientSecret: 'REV-CLIENT-SECRET',
        auth: { scheme: 'oauth2', ...provider.endpoints(), revokeUrl },
      })).json();
      const flow = await startFlow('vera', revoking);
      await callback(flow.callbackUrl, flow.cookie);
      const id = (await session(flow)).connectCredentialId as string;
      const secrets = (await readSecrets(s.portico.ctx, id))!;

      const deleted = await connectApi('vera', 'DELETE', `/integrations/${revoking.id}`);
      expect(deleted.status).toBe(200);
      await waitFor('the revocation', () => seen.length > 0 || undefined, 10_000);
      expect(seen).toEqual([{ form: { token: secrets.refreshToken, token_type_hint: 'refresh_token', client_id: 'rev-client', client_secret: 'REV-CLIENT-SECRET' }, authorization: undefined }]);
      const { rows } = await sql<{ payload: string | object }>`select payload from jobs where name = 'portico.credentials.revoke'`.execute(s.portico.store.db);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const text = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
        expect(text).not.toContain(secrets.refreshToken);
        expect(text).not.toContain(secrets.accessToken);
      }

      // A provider that refuses, or cannot be reached, changes nothing for the uninstall.
      answer = 400;
      const again = await startFlow('vera', revoking);
      await callback(again.callbackUrl, again.cookie);
      expect((await connectApi('vera', 'DELETE', `/integrations/${revoking.id}`)).status).toBe(200);
      await waitFor('the refused revocation', () => seen.length > 1 || undefined, 10_000);
      sink.close();
      const third = await startFlow('vera', revoking);
      await callback(third.callbackUrl, third.cookie);
      expect((await connectApi('vera', 'DELETE', `/integrations/${revoking.id}`)).status).toBe(200);
      expect((await connectApi('vera', 'GET', '/me')).json.integrations[revoking.type]).toMatchObject({ enabled: false, allCredentials: [] });
    } finally {
      sink.close();
    }
  });
  it('sweeps credentials stored without a renewal job (before the refresher existed) onto the queue', async () => {
    const id = await connect('sami');
    const before = (await readSecrets(s.portico.ctx, id))!;
    // As an older Portico left it: an expiry, no issue time, no job.
    const expiresAt = new Date(Date.now() + 3000).toISOString();
    await s.portico.store.db.updateTable('credentials').set({ expires_at: expiresAt, token_issued_at: null }).where('id', '=', id).execute();
    await sql`delete from jobs where name = 'portico.credentials.refresh' and state = 'queued'`.execute(s.portico.store.db);

    expect(await sweepExpiringCredentials(s.portico.ctx)).toBeGreaterThanOrEqual(1);
    const queued = (await s.portico.ctx.jobs.list({ name: 'portico.credentials.refresh', state: 'queued', limit: 500 }))
      .filter((job) => (job.payload as { credentialId: string }).credentialId === id);
    expect(queued).toHaveLength(1);
    // Sweeping again adds nothing: one job per credential and expiry.
    await sweepExpiringCredentials(s.portico.ctx);
    expect((await s.portico.ctx.jobs.list({ name: 'portico.credentials.refresh', limit: 500 })).filter((job) => (job.payload as { credentialId: string }).credentialId === id && job.state !== 'succeeded')).toHaveLength(1);
    await waitFor('the swept renewal', async () => (await readSecrets(s.portico.ctx, id))!.accessToken !== before.accessToken, 10_000);
    expect(hitsOf(before.refreshToken!)).toBe(1);
  }, 20_000);
  it('marks a token without refresh token INVALID when it expires, with the reason', async () => {
    const imported = await s.portico.admin('POST', '/users/edna/credentials', {
      integration: s.custom.type, accessToken: 'edna-access-SECRET', expiresAt: new Date(Date.now() + 2000).toISOString(),
    });
    const id = imported.json().id as string;
    const invalid = await waitFor('the expiry', async () => {
      const current = await credential('edna', id);
      return current.status === 'INVALID' ? current : undefined;
    }, 10_000);
    expect(invalid.statusReason).toMatch(/expired.*no refresh token/);
    expect(await eventsOf('credential.invalid', id)).toHaveLength(1);
    const jobs = (await s.portico.ctx.jobs.list({ name: 'portico.credentials.refresh', limit: 500 })).filter((job) => (job.payload as { credentialId: string }).credentialId === id);
    // The renewal job finds nothing to renew with and comes back at the expiry (one job if it ran late): no failed attempts.
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    for (const job of jobs) expect([job.state, job.attempts]).toEqual(['succeeded', 1]);
  }, 15_000);
});
