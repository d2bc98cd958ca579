import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/boot/app.ts';
import { startPortico, type Portico } from './harness.ts';

/**
 * `portico serve` compiles a route's request and response schemas on its first call (decision 41);
 * this suite is where every one of them is compiled up front, so a schema that does not compile
 * fails here and not on a customer's first request.
 */
describe('route schemas', () => {
  let portico: Portico;
  let eager: FastifyInstance;
  beforeAll(async () => {
    portico = await startPortico('sqlite');
    eager = await buildApp(portico.ctx, { eagerSchemas: true });
    await eager.ready();
  });
  afterAll(async () => {
    await eager.close();
    await portico.close();
  });

  it('all compile when the app is built eagerly', () => {
    expect(eager.hasRoute({ method: 'GET', url: '/api/v1/projects/:projectId/users' })).toBe(true);
    expect(eager.hasRoute({ method: 'PATCH', url: '/projects/:projectId/sdk/me' })).toBe(true);
  });

  it('compiled on first use answer exactly as compiled up front: refusals and answers', async () => {
    const token = await portico.token('schema-user');
    const call = (app: FastifyInstance, body: unknown) => app.inject({
      method: 'PATCH',
      url: `/projects/${portico.project.projectId}/sdk/me`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    for (const body of [{ meta: 'not an object' }, [1, 2], { meta: { Email: 'zoe@example.com' } }]) {
      const [lazy, upFront] = [await call(portico.app, body), await call(eager, body)];
      expect(lazy.statusCode).toBe(upFront.statusCode);
      expect(lazy.json()).toEqual(upFront.json());
    }
    const refused = await call(portico.app, { meta: 'not an object' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'VALIDATION_FAILED' });

    const listed = await portico.admin('GET', '/users?limit=0');
    expect(listed.statusCode).toBe(400);
    expect(listed.json().meta.errors[0]).toMatchObject({ in: 'querystring' });
  });
});
