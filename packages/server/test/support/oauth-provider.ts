import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { OAuth2Server, type MutableRedirectUri, type MutableResponse } from 'oauth2-mock-server';

/** What the provider received at its token endpoint, for assertions. */
export interface TokenRequestSeen {
  body: Record<string, string>;
  authorization: string | undefined;
}

/**
 * A real OAuth 2.0 / OpenID Connect server on loopback (oauth2-mock-server): authorize redirects
 * at once with a code, the token endpoint checks PKCE, userinfo answers what the test sets.
 */
export class MockProvider {
  readonly server = new OAuth2Server();
  /** Token requests in arrival order. */
  readonly tokenRequests: TokenRequestSeen[] = [];
  /** The body of the next userinfo answers. */
  userinfo: Record<string, unknown> = { sub: 'acct-1', email: 'ada@acme.test', name: 'Ada' };
  /** Changes the next token answer (status and body); reset after each use. */
  nextTokenAnswer: ((response: MutableResponse) => void) | undefined;
  /** Changes the next authorize redirect (e.g. to error=access_denied); reset after each use. */
  nextAuthorize: ((url: URL) => void) | undefined;
  /** Access tokens issued, newest last. */
  readonly accessTokens: string[] = [];

  /** On 127.0.0.1 (the library names its issuer "localhost"), the one host the tests let Portico and the browser reach. */
  get url(): string {
    return `http://127.0.0.1:${this.server.address().port}`;
  }

  async start(): Promise<void> {
    await this.server.issuer.keys.generate('RS256');
    this.server.service.on('beforeResponse', (response: MutableResponse, request: IncomingMessage & { body: Record<string, string> }) => {
      this.tokenRequests.push({ body: { ...request.body }, authorization: request.headers.authorization });
      const hook = this.nextTokenAnswer;
      this.nextTokenAnswer = undefined;
      hook?.(response);
      if (typeof response.body === 'object' && typeof response.body.access_token === 'string') this.accessTokens.push(response.body.access_token);
    });
    this.server.service.on('beforeUserinfo', (response: MutableResponse, request: IncomingMessage) => {
      const token = request.headers.authorization?.replace(/^Bearer /, '');
      response.body = token && this.accessTokens.includes(token) ? { ...this.userinfo } : { error: 'invalid_token' };
      response.statusCode = token && this.accessTokens.includes(token) ? 200 : 401;
    });
    this.server.service.on('beforeAuthorizeRedirect', (redirect: MutableRedirectUri) => {
      const hook = this.nextAuthorize;
      this.nextAuthorize = undefined;
      hook?.(redirect.url);
    });
    await this.server.start(0, '127.0.0.1');
    this.server.issuer.url = this.url;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  endpoints() {
    return { authorizationUrl: `${this.url}/authorize`, tokenUrl: `${this.url}/token`, accountUrl: `${this.url}/userinfo` };
  }
}

/** A port free right now on 127.0.0.1, so PORTICO_PUBLIC_URL can name it before Portico listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A cookie as a browser keeps it, from one Set-Cookie header. */
export interface JarCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

export function parseSetCookie(header: string): JarCookie {
  const [pair, ...attributes] = header.split(';').map((p) => p.trim());
  const eq = pair!.indexOf('=');
  return {
    name: pair!.slice(0, eq),
    value: pair!.slice(eq + 1),
    attributes: Object.fromEntries(attributes.map((a) => {
      const i = a.indexOf('=');
      return i < 0 ? [a.toLowerCase(), true] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
    })),
  };
}
