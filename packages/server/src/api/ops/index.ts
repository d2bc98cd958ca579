import { Type } from '@sinclair/typebox';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import { OpenObject, StringEnum } from '../../platform/http/schemas.ts';
import { renderMetrics } from '../../platform/metrics/registry.ts';

const Health = Type.Object({ status: Type.Literal('ok') }, { description: 'The process is up' });

const Readiness = Type.Object(
  {
    status: Type.Literal('ready'),
    store: StringEnum(['sqlite', 'postgres'], { description: 'The database in use' }),
  },
  { description: 'The database answers' },
);

/** The reference page's policy: everything from this server (Swagger UI ships its assets), nothing inline but styles. */
const DOCS_CSP = "default-src 'self'; base-uri 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'";

/** Operations routes, no authentication: liveness, readiness, metrics, the OpenAPI document and its browsable reference at /docs. */
export function opsApi(ctx: AppContext) {
  return async (scope: FastifyInstance): Promise<void> => {
    // Swagger UI, served from its npm package (swagger-ui-dist): no CDN, no request leaves the page.
    await scope.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_CSP,
      uiConfig: { validatorUrl: null, deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0 },
    });
    scope.get('/api/v1/openapi.json', {
      schema: {
        tags: ['Operations'],
        summary: 'This OpenAPI 3.1 document',
        response: { 200: OpenObject('An OpenAPI 3.1 document') },
      },
    }, async () => scope.swagger());
    scope.get('/healthz', { schema: { tags: ['Operations'], summary: 'Liveness', response: { 200: Health } } }, async () => ({ status: 'ok' }));
    scope.get('/metrics', {
      schema: {
        tags: ['Operations'],
        summary: 'Prometheus metrics of this node (text exposition format): jobs, queue depth, latencies',
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) },
      },
    }, async (_request, reply) => {
      const { contentType, body } = await renderMetrics(ctx.metrics);
      return reply.type(contentType).send(body);
    });
    scope.get('/readyz', {
      schema: {
        tags: ['Operations'],
        summary: 'Readiness: the database answers',
        response: { 200: Readiness, 503: Type.Ref('ErrorBody', { description: 'The database does not answer (SERVICE_UNAVAILABLE)' }) },
      },
    }, async (_request, reply) => {
      try {
        await ctx.store.db.selectFrom('projects').select('id').limit(1).execute();
        return { status: 'ready', store: ctx.store.dialect };
      } catch {
        return reply.status(503).send({ message: 'The database does not answer.', code: 'SERVICE_UNAVAILABLE', status: 503 });
      }
    });
  };
}
