import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCredential } from '../src/domain/connections/index.ts';
import { ensureUserIn } from '../src/domain/users/index.ts';
import { parseRfc3339DateTime } from '../src/platform/time/rfc3339.ts';
import { STORES, startPortico, type Portico } from './harness.ts';
import { fingerprint } from './support/db-fingerprint.ts';

const TEST_ACTOR = { kind: 'system', name: 'test' } as const;

describe('RFC 3339 date-times', () => {
  it('accepts real instants only', () => {
    for (const text of ['2030-01-31T12:00:00Z', '2024-02-29T00:00:00Z', '2000-02-29T23:59:59.999999999+05:30', '2030-01-01t00:00:00z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      expect(parseRfc3339DateTime(text), text).toBeInstanceOf(Date);
    }
    expect(parseRfc3339DateTime('2030-01-01T01:00:00+01:00')?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    for (const text of [
      '2016-12-31T23:59:60Z', '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2030-04-31T00:00:00Z', '2030-13-01T00:00:00Z', '2030-00-10T00:00:00Z',
      '2030-01-01T24:00:00Z', '2030-01-01T00:60:00Z', '2030-01-01T00:00:00+0100', '2030-01-01T00:00:00+24:00', '2030-01-01T00:00:00',
      '2030-01-01', '2030-01-01 00:00:00Z', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', 'tomorrow', '',
    ]) {
      expect(parseRfc3339DateTime(text), text).toBeUndefined();
    }
  });
});

describe.each(STORES)('credential import (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
    await portico.admin('POST', '/integrations', { type: 'hubspot' });
  });
  afterAll(() => portico.close());

  it('answers 400 for impossible dates (a leap second, February 30) and writes nothing', async () => {
    const before = await fingerprint(portico.store);
    for (const expiresAt of ['2016-12-31T23:59:60Z', '2030-02-30T00:00:00Z', '2030-01-01T00:00:00+0100']) {
      const response = await portico.admin('POST', '/users/leap-second-user/credentials', { integration: 'hubspot', accessToken: 'x', expiresAt });
      expect(response.statusCode, expiresAt).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', meta: { errors: [{ in: 'body', path: '/expiresAt' }] } });
      expect(response.json().message).toContain('date-time');
    }
    expect((await portico.admin('GET', '/users/leap-second-user')).statusCode).toBe(404);
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
  });

  it('stores a valid date with an offset as UTC', async () => {
    const response = await portico.admin('POST', '/users/offset-user/credentials', { integration: 'hubspot', accessToken: 'x', expiresAt: '2030-01-01T01:00:00+01:00' });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().dateValidUntil).toBe('2030-01-01T00:00:00.000Z');
  });

  it('creates the user and the credential in one transaction: a failing insert leaves no user behind', async () => {
    const state = (await portico.ctx.projects.get(portico.project.projectId))!;
    const hubspot = state.integrationsByType.get('hubspot')!;
    const vanished = { ...hubspot, id: '00000000-0000-4000-8000-000000000000' };
    await expect(importCredential(portico.ctx, state, (trx) => ensureUserIn(portico.ctx, trx, state.project.id, 'half-imported', TEST_ACTOR), { integration: vanished, secrets: { accessToken: 'x' } }, TEST_ACTOR)).rejects.toThrow();
    expect((await portico.admin('GET', '/users/half-imported')).statusCode).toBe(404);
    await importCredential(portico.ctx, state, (trx) => ensureUserIn(portico.ctx, trx, state.project.id, 'half-imported', TEST_ACTOR), { integration: hubspot, secrets: { accessToken: 'x' } }, TEST_ACTOR);
    expect((await portico.admin('GET', '/users/half-imported')).json().integrations.hubspot.enabled).toBe(true);
  });
});
