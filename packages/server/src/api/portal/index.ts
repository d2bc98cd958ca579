import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { portalAsset } from './assets.ts';

/**
 * `frame-ancestors` for the portal: the app origins of PORTICO_CORS_ORIGINS (`*` there: any page may
 * frame it). Entries that are not plain origins are left out rather than copied into a header.
 */
export function portalFrameAncestors(corsOrigins: readonly string[]): string {
  if (corsOrigins.includes('*')) return '*';
  const origins = corsOrigins.filter((origin) => /^https?:\/\/[A-Za-z0-9.\-[\]:]+$/.test(origin));
  return origins.length > 0 ? origins.join(' ') : "'none'";
}

/**
 * The hosted Connect Portal: the page the official SDK frames at `{CONNECT_PUBLIC_URL}/ui` and its
 * files. No authentication: the page holds no data; the SDK in the app's window gives it the user's
 * state by postMessage and does every call for it (decision 39).
 */
export function portalApi(ctx: AppContext) {
  const csp = [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'none'",
    "base-uri 'none'", "form-action 'none'", `frame-ancestors ${portalFrameAncestors(ctx.config.corsOrigins)}`,
  ].join('; ');

  const send = (request: FastifyRequest, reply: FastifyReply, name: string, cacheControl: string) => {
    const asset = portalAsset(name);
    if (!asset) throw AppError.from('ROUTE_NOT_FOUND', name === 'index.html' ? 'The Connect Portal files are missing from this installation.' : 'No such Connect Portal file.');
    reply.header('content-type', asset.type).header('etag', asset.etag).header('cache-control', cacheControl)
      .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('content-security-policy', csp);
    if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.send(asset.body);
  };

  return async (scope: FastifyInstance): Promise<void> => {
    scope.get('/connect/ui', { schema: { hide: true } }, async (request, reply) => send(request, reply, 'index.html', 'no-cache'));
    // An SDK whose CONNECT_PUBLIC_URL is Portico's bare URL (as every other service's) frames /ui.
    scope.get('/ui', { schema: { hide: true } }, async (request, reply) => send(request, reply, 'index.html', 'no-cache'));
    scope.get('/connect/ui/assets/:file', { schema: { hide: true } }, async (request, reply) => send(request, reply, (request.params as { file: string }).file, 'no-cache'));
  };
}
