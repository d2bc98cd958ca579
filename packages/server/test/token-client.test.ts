import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenEndpointError, exchangeCode, expiresAtOf, refreshToken } from '../src/domain/connections/index.ts';
import { createOutboundClient } from '../src/platform/net/outbound.ts';
import { MockProvider } from './support/oauth-provider.ts';

/** The token-endpoint client the install flow, the refresher and the proxy share. */
describe('OAuth token endpoint client', () => {
  const provider = new MockProvider();
  const outbound = createOutboundClient({ allowHosts: ['127.0.0.1'] });
  let odd: http.Server;
  let oddUrl: string;
  /** What the odd server answers next: status, content type, body. */
  let next: [number, string, string] = [200, 'application/json', '{}'];
  let seen: { headers: http.IncomingHttpHeaders; body: string } | undefined;

  beforeAll(async () => {
    await provider.start();
    odd = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen = { headers: request.headers, body };
        response.writeHead(next[0], { 'content-type': next[1] }).end(next[2]);
      });
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/token`;
  });
  afterAll(async () => {
    await provider.stop();
    await new Promise((resolve) => odd.close(resolve));
  });

  it('refreshes a token at a real OAuth server, with the client in the body or as HTTP Basic', async () => {
    const tokens = await refreshToken(outbound, { tokenUrl: `${provider.url}/token`, clientId: 'c1', clientSecret: 's1' }, { refreshToken: 'r-1' });
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    expect(tokens.accessToken.split('.')).toHaveLength(3);
    expect(tokens.refreshToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(provider.tokenRequests.at(-1)).toMatchObject({ body: { grant_type: 'refresh_token', refresh_token: 'r-1', client_id: 'c1', client_secret: 's1' } });

    await refreshToken(outbound, { tokenUrl: `${provider.url}/token`, clientId: 'c 2', clientSecret: 's:2', clientAuth: 'basic' }, { refreshToken: 'r-2', scopes: ['a', 'b'] });
    const basic = provider.tokenRequests.at(-1)!;
    expect(basic.authorization).toBe(`Basic ${Buffer.from('c%202:s%3A2').toString('base64')}`);
    expect(basic.body).toMatchObject({ grant_type: 'refresh_token', scope: 'a b' });
    expect(basic.body.client_secret).toBeUndefined();
    expect(expiresAtOf(tokens, Date.parse('2030-01-01T00:00:00Z'))).toBe('2030-01-01T01:00:00.000Z');
  });

  it('classifies failures: refused grants are permanent, outages are not, and nothing secret is in the message', async () => {
    const endpoint = { tokenUrl: oddUrl, clientId: 'c', clientSecret: 'CLIENT-SECRET-X' };
    const fail = async (answer: [number, string, string]) => {
      next = answer;
      return refreshToken(outbound, endpoint, { refreshToken: 'REFRESH-SECRET-Y' }).then(() => undefined, (error: TokenEndpointError) => error);
    };
    const revoked = await fail([400, 'application/json', '{"error":"invalid_grant","error_description":"Token has been revoked"}']);
    expect(revoked).toMatchObject({ kind: 'rejected', oauthError: 'invalid_grant', description: 'Token has been revoked', status: 400, permanent: true });
    // GitHub answers 200 with an error, as a form unless asked for JSON.
    const github = await fail([200, 'application/x-www-form-urlencoded', 'error=bad_verification_code&error_description=The+code+is+incorrect']);
    expect(github).toMatchObject({ kind: 'rejected', oauthError: 'bad_verification_code', permanent: true });
    expect(await fail([503, 'text/html', '<h1>down</h1>'])).toMatchObject({ kind: 'unavailable', status: 503, permanent: false });
    expect(await fail([429, 'application/json', '{"error":"slow_down"}'])).toMatchObject({ kind: 'unavailable', permanent: false });
    expect(await fail([200, 'application/json', '{"token_type":"bearer"}'])).toMatchObject({ kind: 'invalid_response' });
    expect(await fail([302, 'text/plain', ''])).toBeInstanceOf(TokenEndpointError);
    for (const error of [revoked, github]) expect(`${error!.message}`).not.toMatch(/SECRET/);
    expect(seen!.body).toContain('client_secret=CLIENT-SECRET-X');
    expect(seen!.headers.accept).toBe('application/json');

    const blocked = await refreshToken(createOutboundClient(), endpoint, { refreshToken: 'r' }).catch((error: TokenEndpointError) => error);
    expect(blocked).toMatchObject({ kind: 'blocked', permanent: false });
    const down = await refreshToken(outbound, { ...endpoint, tokenUrl: 'http://127.0.0.1:9/token' }, { refreshToken: 'r' }).catch((error: TokenEndpointError) => error);
    expect(down).toMatchObject({ kind: 'unavailable' });
  });

  it('reads form-encoded answers, string lifetimes and extra fields, and sends JSON bodies when asked', async () => {
    next = [200, 'application/x-www-form-urlencoded', 'access_token=gho_abc&token_type=bearer&scope=repo%2Cuser&expires_in=28800&instance_url=https%3A%2F%2Facme.example'];
    const tokens = await exchangeCode(outbound, { tokenUrl: oddUrl, clientId: 'c', bodyEncoding: 'json' }, { code: 'the-code', redirectUri: 'https://portico.test/oauth', codeVerifier: 'v'.repeat(43) });
    expect(tokens).toMatchObject({ accessToken: 'gho_abc', scope: 'repo,user', expiresIn: 28800, extra: { instance_url: 'https://acme.example' } });
    expect(seen!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen!.body)).toEqual({ grant_type: 'authorization_code', code: 'the-code', redirect_uri: 'https://portico.test/oauth', code_verifier: 'v'.repeat(43), client_id: 'c' });
  });
});
