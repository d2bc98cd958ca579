import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { fingerprint } from './support/db-fingerprint.ts';

/** `{"k0":0,"k1":0,…}` with `keys` members, padded with one string member up to about `bytes`. */
function manyKeys(keys: number, bytes = 0): string {
  const members = Array.from({ length: keys }, (_, i) => `"k${i}":0`);
  const pad = bytes - members.join(',').length - 12;
  if (pad > 0) members.push(`"pad":"${'x'.repeat(pad)}"`);
  return `{${members.join(',')}}`;
}

/** An object nested `depth` levels below the one returned. */
const nested = (depth: number): Record<string, unknown> => (depth === 0 ? { leaf: 1 } : { n: nested(depth - 1) });

describe.each(STORES)('per-route body limits, entry counts and settings caps (%s)', (kind) => {
  let portico: Portico;
  let credentialId: string;
  let workflows: string[];

  beforeAll(async () => {
    portico = await startPortico(kind);
    const seeded = await seedSalesforce(portico, 'heavy');
    credentialId = seeded.credential.id;
    workflows = [seeded.onByDefault.id, seeded.offByDefault.id];
  });
  afterAll(() => portico.close());

  const send = (sdkPath: string, payload: string) =>
    portico.connect('heavy', 'PATCH', sdkPath, payload, { 'content-type': 'application/json' });
  const settings = (config: unknown) => send(`/sdk/credentials/${credentialId}`, JSON.stringify({ config }));

  it('refuses a 1 MiB metadata PATCH of 80,000 keys by its size, before reading it', async () => {
    const before = await fingerprint(portico.store);
    const response = await send('/sdk/me', `{"meta":${manyKeys(80_000, 1_000_000)}}`);
    expect(response.json()).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE', meta: { limit: 128 * 1024 } });
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
  });

  it('refuses a metadata PATCH of more than 1,000 entries by counting them before parsing', async () => {
    const before = await fingerprint(portico.store);
    const response = await send('/sdk/me', `{"meta":${manyKeys(1_000)}}`);
    expect(response.json()).toMatchObject({ status: 400, code: 'JSON_TOO_MANY_ENTRIES', meta: { limit: 1_000 } });
    const array = await send('/sdk/me', `{"meta":{"list":[${Array(1_200).fill(0).join(',')}]}}`);
    expect(array.json()).toMatchObject({ status: 400, code: 'JSON_TOO_MANY_ENTRIES' });
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
    expect((await send('/sdk/me', `{"meta":${manyKeys(999)}}`)).statusCode).toBe(200);
  });

  it('refuses more than 10,000 entries in any other JSON body', async () => {
    const response = await portico.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${portico.project.projectId}/users/heavy/credentials`,
      headers: { authorization: `Bearer ${portico.project.apiKey}`, 'content-type': 'application/json' },
      payload: `{"integration":"salesforce","accessToken":"t","providerData":{"ids":[${Array(12_000).fill(1).join(',')}]}}`,
    });
    expect(response.json()).toMatchObject({ status: 400, code: 'JSON_TOO_MANY_ENTRIES', meta: { limit: 10_000 } });
  });

  it('caps shared settings at 64 KiB and 8 levels, and the settings body at 128 KiB, changing nothing', async () => {
    const before = await fingerprint(portico.store);
    expect((await settings({ sharedSettings: { note: 'x'.repeat(70 * 1024) } })).json())
      .toMatchObject({ status: 413, code: 'SETTINGS_TOO_LARGE', meta: { field: 'sharedSettings', limit: 64 * 1024 } });
    expect((await settings({ sharedSettings: nested(9) })).json()).toMatchObject({ status: 400, code: 'SETTINGS_TOO_DEEP', meta: { field: 'sharedSettings' } });
    expect((await send(`/sdk/credentials/${credentialId}`, `{"config":{"sharedSettings":{"a":"${'x'.repeat(130 * 1024)}"}}}`)).json())
      .toMatchObject({ status: 413, code: 'BODY_TOO_LARGE', meta: { limit: 128 * 1024 } });
    expect((await send(`/sdk/credentials/${credentialId}`, `{"config":{"sharedSettings":${manyKeys(1_999)}}}`)).json())
      .toMatchObject({ status: 400, code: 'JSON_TOO_MANY_ENTRIES', meta: { limit: 2_000 } });
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
  });

  it('caps all workflow settings of a configuration together at 64 KiB, and each at 8 levels', async () => {
    const before = await fingerprint(portico.store);
    const half = { note: 'y'.repeat(40 * 1024) };
    const tooLarge = await settings({ workflowSettings: { [workflows[0]!]: { enabled: true, settings: half }, [workflows[1]!]: { enabled: false, settings: half } } });
    expect(tooLarge.json()).toMatchObject({ status: 413, code: 'SETTINGS_TOO_LARGE', meta: { field: 'workflowSettings' } });
    const tooDeep = await settings({ configuredWorkflows: { [workflows[0]!]: { enabled: true, settings: nested(9) } } });
    expect(tooDeep.json()).toMatchObject({ status: 400, code: 'SETTINGS_TOO_DEEP' });
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
  });

  it('stores settings right at the limits', async () => {
    const response = await settings({
      sharedSettings: { note: 'z'.repeat(60 * 1024), deep: nested(7) },
      workflowSettings: { [workflows[0]!]: { enabled: true, settings: { deep: nested(7) } } },
    });
    expect(response.statusCode, response.body).toBe(200);
  });
});

describe.each(STORES)('large bodies one user may have in progress (%s)', (kind) => {
  let portico: Portico;
  let port: number;

  beforeAll(async () => {
    portico = await startPortico(kind);
    await portico.app.listen({ port: 0, host: '127.0.0.1' });
    port = (portico.app.server.address() as import('node:net').AddressInfo).port;
  });
  afterAll(() => portico.close());

  const url = (sdkPath: string) => `http://127.0.0.1:${port}/projects/${portico.project.projectId}${sdkPath}`;
  const body = JSON.stringify({ meta: { note: 'x'.repeat(20_000) } });

  /** A PATCH whose headers and first bytes arrive, then nothing until `finish()`. */
  const heldPatch = async (sub: string) => {
    const http = await import('node:http');
    const token = await portico.token(sub);
    const request = http.request(url('/sdk/me'), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 100));
    return { answered, finish: () => request.end(body.slice(100)) };
  };

  it('answers 429 with Retry-After to a fifth large body of one user while four are arriving, not to other users', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => heldPatch('uploader')));
    // Let the four reach the server and pass authentication.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fifth = await fetch(url('/sdk/me'), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await portico.token('uploader')}`, 'content-type': 'application/json' },
      body,
    });
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get('retry-after')).toBe('1');
    expect(await fifth.json()).toMatchObject({ code: 'TOO_MANY_LARGE_REQUESTS', meta: { limit: 4, largeBodyBytes: 16384 } });

    const small = await fetch(url('/sdk/me'), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await portico.token('uploader')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ meta: { small: true } }),
    });
    expect(small.status).toBe(200);
    const someoneElse = await fetch(url('/sdk/me'), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await portico.token('neighbour')}`, 'content-type': 'application/json' },
      body,
    });
    expect(someoneElse.status).toBe(200);

    for (const request of held) request.finish();
    expect(await Promise.all(held.map((request) => request.answered))).toEqual([200, 200, 200, 200]);
    const again = await fetch(url('/sdk/me'), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await portico.token('uploader')}`, 'content-type': 'application/json' },
      body,
    });
    expect(again.status).toBe(200);
  });
  it('lets one user start at most 10 large bodies a second, answering the rest 429 with Retry-After', async () => {
    const token = await portico.token('burster');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 14; i++) {
      const response = await fetch(url('/sdk/me'), {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ meta: { n: i, note: 'x'.repeat(20_000) } }),
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
      await response.arrayBuffer();
    }
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(10);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = await fetch(url('/sdk/me'), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    expect(later.status).toBe(200);
  });
});
