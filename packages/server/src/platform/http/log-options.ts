import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';

/** Secrets that must never reach a log line. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers["x-paragon-user-metadata"]',
  'req.headers.cookie',
];

/**
 * Query parameters that carry credentials on some routes (the SDK's OAuth popup sends `userToken`,
 * the provider's redirect to `/oauth` a `code` and a one-time `state`), or that clients misuse for
 * them (`Authorization`).
 */
const SECRET_QUERY_PARAMS = /^(authorization|usertoken|token|access_token|refresh_token|id_token|code|state|client_secret|api_key|apikey|password)$/i;

/** The request URL with the values of credential-bearing query parameters replaced. */
export function redactUrlForLog(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const redacted = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // keep the raw name
    }
    return eq >= 0 && SECRET_QUERY_PARAMS.test(decoded) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, q)}?${redacted.join('&')}`;
}

/** pino options of the running server: headers that carry secrets redacted, and secret query values too. */
export function serverLogOptions(config: Config): NonNullable<Exclude<FastifyServerOptions['logger'], boolean>> {
  return {
    level: config.logLevel,
    redact: { paths: LOG_REDACT, censor: '[redacted]' },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrlForLog(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}
