import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import { renderMetrics } from '../../platform/metrics/registry.ts';

/** Operations routes, no authentication: liveness, readiness, metrics and the OpenAPI document. */
export function opsApi(ctx: AppContext) {
  return async (scope: FastifyInstance): Promise<void> => {
    scope.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => scope.swagger());
    scope.get('/healthz', { schema: { tags: ['Operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
    scope.get('/metrics', { schema: { tags: ['Operations'], summary: 'Prometheus metrics (text format)' } }, async (_request, reply) => {
      const { contentType, body } = await renderMetrics(ctx.metrics);
      return reply.type(contentType).send(body);
    });
    scope.get('/readyz', { schema: { tags: ['Operations'], summary: 'Readiness: the database answers' } }, async (_request, reply) => {
      try {
        await ctx.store.db.selectFrom('projects').select('id').limit(1).execute();
        return { status: 'ready', store: ctx.store.dialect };
      } catch {
        return reply.status(503).send({ message: 'The database does not answer.', code: 'SERVICE_UNAVAILABLE', status: 503 });
      }
    });
  };
}
