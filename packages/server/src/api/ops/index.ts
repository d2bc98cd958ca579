import { Type } from '@sinclair/typebox';
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

/** Operations routes, no authentication: liveness, readiness, metrics and the OpenAPI document. */
export function opsApi(ctx: AppContext) {
  return async (scope: FastifyInstance): Promise<void> => {
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
