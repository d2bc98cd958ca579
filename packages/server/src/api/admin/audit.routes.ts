import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AuditEvent, projectTimeline, userTimeline } from '../../domain/audit/index.ts';
import type { AppContext } from '../../domain/context.ts';
import { PageQuery, pageLimit } from '../../platform/http/pagination.ts';
import { Nullable, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminCallerOf } from './caller.ts';
import { UserParams } from './users.routes.ts';

const TAGS = ['Admin: audit'];
const AuditPage = Type.Object(
  {
    data: Type.Array(SchemaRef(AuditEvent), { description: 'Newest first' }),
    nextCursor: Nullable(Type.String(), { description: 'Pass as cursor for the next (older) page; null on the last' }),
  },
  { description: 'A page of the audit timeline, newest first' },
);

export function auditAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/users/:userId/events', {
      config: { scope: 'users:read' },
      schema: {
        tags: TAGS,
        summary: "A Connected User's audit timeline: every change, newest first, with its actor",
        params: UserParams,
        querystring: Type.Object(PageQuery),
        response: { 200: AuditPage, ...errorResponses },
      },
    }, async (request) => userTimeline(ctx, adminCallerOf(request).state.project.id, request.params.userId, { limit: pageLimit(request.query.limit), cursor: request.query.cursor }));

    app.get('/events', {
      config: { scope: 'users:read' },
      schema: {
        tags: TAGS,
        summary: "The project's audit timeline, newest first, by type and time",
        params: ProjectParams,
        querystring: Type.Object({
          type: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, pattern: '^[a-z.]+(,[a-z.]+)*$', description: 'Event types, comma-separated (e.g. user.disabled,user.enabled)' })),
          after: Type.Optional(Type.String({ format: 'date-time', description: 'Only changes made after this instant' })),
          ...PageQuery,
        }),
        response: { 200: AuditPage, ...errorResponses },
      },
    }, async (request) => {
      const { type, after, limit, cursor } = request.query;
      return projectTimeline(ctx, adminCallerOf(request).state.project.id, { types: type?.split(','), after }, { limit: pageLimit(limit), cursor });
    });
  };
}
