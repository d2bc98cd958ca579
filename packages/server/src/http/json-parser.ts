import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies with prototype-poisoning keys refused, and an empty body accepted as "no body":
 * the official SDK sends `Content-Type: application/json` on bodiless DELETE and POST requests.
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
