import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, startPortico, type Portico } from './harness.ts';

describe.each(STORES)('PATCH /sdk/me metadata (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());

  const patch = (sub: string, meta: unknown) => portico.connect(sub, 'PATCH', '/sdk/me', { meta });
  const stored = async (sub: string) => (await portico.connect(sub, 'GET', '/sdk/me')).json().meta;

  it('merges objects deeply and deletes keys set to null (JSON Merge Patch)', async () => {
    expect((await patch('m1', { Name: 'Sean', company: { id: 1, tier: 'gold' }, tags: ['a'] })).statusCode).toBe(200);
    const response = await patch('m1', { company: { tier: null, size: 50 }, tags: ['b'], extra: true });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: 'm1', meta: { Name: 'Sean', company: { id: 1, size: 50 }, tags: ['b'], extra: true } });
    await patch('m1', { extra: null });
    expect(await stored('m1')).toEqual({ Name: 'Sean', company: { id: 1, size: 50 }, tags: ['b'] });
  });

  it('stores name and email in any casing as Name and Email', async () => {
    await patch('m2', { NAME: 'Ada', eMaIl: 'ada@example.com', apiKey: 'k' });
    expect(await stored('m2')).toEqual({ Name: 'Ada', Email: 'ada@example.com', apiKey: 'k' });
    await patch('m2', { name: 'Ada L.' });
    expect((await stored('m2')).Name).toBe('Ada L.');
  });

  it('keeps non-ASCII values intact', async () => {
    await patch('m3', { Name: 'Zoë 山田 🚀' });
    expect((await stored('m3')).Name).toBe('Zoë 山田 🚀');
  });

  it.each([
    ['over 64 KiB', { big: 'x'.repeat(70 * 1024) }, 413, 'METADATA_TOO_LARGE'],
    ['nested 10 levels', { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 1 } } } } } } } } } }, 400, 'METADATA_TOO_DEEP'],
    ['a 300-character key', { ['k'.repeat(300)]: 1 }, 400, 'METADATA_KEY_INVALID'],
    ['an empty key', { '  ': 1 }, 400, 'METADATA_KEY_INVALID'],
    ['a nested "constructor" key', { safe: { constructor: 'x' } }, 400, 'METADATA_KEY_FORBIDDEN'],
    ['a "prototype" key', { prototype: 1 }, 400, 'METADATA_KEY_FORBIDDEN'],
    ['a numeric Name', { name: 42 }, 400, 'METADATA_VALUE_INVALID'],
    ['an object Name', { Name: { first: 'Ada' } }, 400, 'METADATA_VALUE_INVALID'],
    ['an array Email', { Email: ['ada@example.com'] }, 400, 'METADATA_VALUE_INVALID'],
    ['an Email that is no address', { email: 'Ada Lovelace' }, 400, 'METADATA_VALUE_INVALID'],
    ['an Email without a domain', { EMAIL: 'ada@localhost' }, 400, 'METADATA_VALUE_INVALID'],
    ['an Email with a space', { Email: 'ada @example.com' }, 400, 'METADATA_VALUE_INVALID'],
    ['name and NAME together', { name: 'Ada', NAME: 'Grace' }, 400, 'METADATA_KEY_DUPLICATE'],
    ['Email and " email " together', { Email: 'a@example.com', ' email ': 'b@example.com' }, 400, 'METADATA_KEY_DUPLICATE'],
    ['"plan" and " plan" together', { plan: 'pro', ' plan': 'basic' }, 400, 'METADATA_KEY_DUPLICATE'],
  ])('refuses a patch %s and stores nothing', async (_name, meta, status, code) => {
    const sub = `limit-${code}`;
    await patch(sub, { keep: 'me' });
    const response = await patch(sub, { ...meta, alsoNew: 1 });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ code, status });
    expect(await stored(sub)).toEqual({ keep: 'me' });
  });

  it('accepts string names, plausible emails, and null to delete them', async () => {
    expect((await patch('valid-values', { name: 'Ada Lovelace', email: 'ada.lovelace+x@math.example.co.uk' })).statusCode).toBe(200);
    expect(await stored('valid-values')).toEqual({ Name: 'Ada Lovelace', Email: 'ada.lovelace+x@math.example.co.uk' });
    expect((await patch('valid-values', { Name: null, EMAIL: null })).statusCode).toBe(200);
    expect(await stored('valid-values')).toEqual({});
  });

  it('refuses numbers that overflow to Infinity (stored as null before) in the body and in the legacy header', async () => {
    const token = await portico.token('infinite');
    const url = `/projects/${portico.project.projectId}/sdk/me`;
    for (const literal of ['1e400', '-1e400', '[1, 2e308]', '{"deep": {"x": 1E999}}']) {
      const response = await portico.app.inject({
        method: 'PATCH', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: `{"meta":{"keep":1,"big":${literal}}}`,
      });
      expect(response.json(), literal).toMatchObject({ status: 400, code: 'NUMBER_NOT_FINITE', meta: { in: 'body' } });
    }
    const header = await portico.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, 'x-paragon-user-metadata': '{"big":1e400}' } });
    expect(header.json()).toMatchObject({ status: 400, code: 'NUMBER_NOT_FINITE' });
    expect(await stored('infinite')).toEqual({});
    expect((await patch('infinite', { max: 1.7976931348623157e308, small: 5e-324 })).statusCode).toBe(200);
  });

  it('refuses "__proto__" in the JSON body', async () => {
    const response = await portico.app.inject({
      method: 'PATCH',
      url: `/projects/${portico.project.projectId}/sdk/me`,
      headers: { authorization: `Bearer ${await portico.token('proto')}`, 'content-type': 'application/json' },
      payload: '{"meta":{"__proto__":{"polluted":true}}}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('BODY_FORBIDDEN_KEY');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses bodies that are not {meta: object}', async () => {
    for (const body of [{}, { meta: 'x' }, { meta: [1] }, { meta: null }]) {
      const response = await portico.connect('shape', 'PATCH', '/sdk/me', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    }
    const notJson = await portico.app.inject({
      method: 'PATCH',
      url: `/projects/${portico.project.projectId}/sdk/me`,
      headers: { authorization: `Bearer ${await portico.token('shape')}`, 'content-type': 'application/json' },
      payload: '{"meta": {',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().code).toBe('INVALID_JSON');
  });

  it('refuses NUL characters, which PostgreSQL cannot store, and accepts a literal backslash-u0000 text', async () => {
    const nul = await patch('nul', { note: 'a\u0000b' });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().code).toBe('INVALID_JSON');
    const literal = await patch('nul', { note: 'a\\u0000b' });
    expect(literal.statusCode).toBe(200);
    expect((await stored('nul')).note).toBe('a\\u0000b');
  });

  it('loses no key when 50 PATCHes to one user run concurrently', async () => {
    const token = await portico.token('concurrent');
    const url = `/projects/${portico.project.projectId}/sdk/me`;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        portico.app.inject({ method: 'PATCH', url, headers: { authorization: `Bearer ${token}` }, payload: { meta: { [`key${i}`]: i } } }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    const meta = await stored('concurrent');
    expect(Object.keys(meta)).toHaveLength(50);
    for (let i = 0; i < 50; i++) expect(meta[`key${i}`]).toBe(i);
  });
});
