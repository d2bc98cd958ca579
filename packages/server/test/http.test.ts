import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/platform/errors.ts';
import { redactUrlForLog } from '../src/platform/http/log-options.ts';
import { startPortico, type Portico } from './harness.ts';

describe('HTTP surface', () => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico('sqlite');
  });
  afterAll(() => portico.close());

  it('serves an OpenAPI 3.1 document describing the Connect and Admin routes', async () => {
    const response = await portico.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/projects/{projectId}/sdk/me', '/projects/{projectId}/sdk/integrations/{integrationId}', '/api/v1/projects/{projectId}/users/{userId}/credentials']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/projects/{projectId}/sdk/me'].patch.security).toEqual([{ userToken: [] }]);
  });

  it('answers CORS preflights for the SDK headers from any origin', async () => {
    const response = await portico.app.inject({
      method: 'OPTIONS',
      url: `/projects/${portico.project.projectId}/sdk/me`,
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization,content-type,x-paragon-sdk-version,x-paragon-credential,x-paragon-configuration-id',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(response.headers['access-control-allow-methods']).toContain('PATCH');
    expect(response.headers['access-control-allow-headers']).toContain('x-paragon-credential');
  });

  it('answers the Admin API and Task History without any CORS headers, preflight or not', async () => {
    const urls = [`/api/v1/projects/${portico.project.projectId}/integrations`, `/projects/${portico.project.projectId}/task-history/workflow-executions`];
    for (const url of urls) {
      const preflight = await portico.app.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.statusCode, url).toBe(404);
      const call = await portico.app.inject({ method: 'GET', url, headers: { origin: 'https://evil.example', authorization: `Bearer ${portico.project.apiKey}` } });
      expect(call.statusCode, url).toBe(200);
      for (const response of [preflight, call]) {
        expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-')), url).toEqual([]);
      }
    }
    // The Connect API next to them still answers with CORS headers.
    const connect = await portico.app.inject({
      method: 'GET',
      url: `/projects/${portico.project.projectId}/sdk/me`,
      headers: { origin: 'https://app.example.com', authorization: `Bearer ${await portico.token('cors')}` },
    });
    expect(connect.statusCode).toBe(200);
    expect(connect.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('lists the allowed values when an enumerated field is wrong', async () => {
    const response = await portico.admin('POST', '/users/u/credentials', { integration: 'salesforce', accessToken: 't', status: 'BROKEN' });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', meta: { errors: [{ in: 'body', path: '/status', allowedValues: ['VALID', 'INVALID', 'PENDING'] }] } });
    expect(body.meta.errors).toHaveLength(1);
    expect(body.message).toBe('Invalid request: body/status must be one of "VALID", "INVALID", "PENDING".');
    const query = await portico.connect('u', 'GET', '/sdk/credentials?integration=salesforce&includeAccountAuth=yes');
    expect(query.json()).toMatchObject({ code: 'VALIDATION_FAILED', meta: { errors: [{ in: 'querystring', path: '/includeAccountAuth', allowedValues: ['true', 'false', 'undefined'] }] } });
  });

  it('redacts credential query parameters in logged URLs, Authorization in any case included', () => {
    expect(redactUrlForLog('/p/sdk/me?Authorization=Bearer%20eyJ.x.y&a=1&AUTHORIZATION=k&authorization=prt_k&%41uthorization=z&userToken=t'))
      .toBe('/p/sdk/me?Authorization=[redacted]&a=1&AUTHORIZATION=[redacted]&authorization=[redacted]&%41uthorization=[redacted]&userToken=[redacted]');
  });

  it('answers unknown routes with the error envelope', async () => {
    const response = await portico.app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', status: 404 });
  });

  it('refuses bodies over the limit and non-JSON content types with their own codes', async () => {
    const url = `/projects/${portico.project.projectId}/sdk/me`;
    const authorization = `Bearer ${await portico.token('u')}`;
    const large = await portico.app.inject({ method: 'PATCH', url, headers: { authorization, 'content-type': 'application/json' }, payload: JSON.stringify({ meta: { a: 'x'.repeat(1_100_000) } }) });
    expect(large.statusCode).toBe(413);
    expect(large.json()).toMatchObject({ code: 'BODY_TOO_LARGE', meta: { limit: expect.any(Number) } });
    const text = await portico.app.inject({ method: 'PATCH', url, headers: { authorization, 'content-type': 'text/plain' }, payload: 'meta' });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('reports liveness and readiness', async () => {
    expect((await portico.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await portico.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready', store: 'sqlite' });
  });

  it('documents every error code in docs/errors.md', async () => {
    const fs = await import('node:fs');
    const doc = fs.readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const missing = Object.keys(ERROR_CODES).filter((code) => !doc.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });
});
