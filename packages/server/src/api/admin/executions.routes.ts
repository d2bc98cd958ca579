import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { ExecutionListPage, listExecutions } from '../../domain/workflows/index.ts';
import { PageQuery, pageLimit } from '../../platform/http/pagination.ts';
import { ProjectParams, errorResponses } from '../../platform/http/schemas.ts';
import { adminCallerOf } from './caller.ts';
import { ExecutionFilterQuery, executionQueryOf } from './execution-filters.ts';

export function executionsAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/executions', {
      config: { scope: 'task-history:read' },
      schema: {
        tags: ['Admin: task history'],
        summary: "Workflow executions, newest first: by user (id or metadata Email), workflow, integration, status and time",
        description: 'Cursor-paged: pass nextCursor back as cursor; pages never repeat or skip an execution. Details and steps: GET /projects/{projectId}/task-history/workflow-executions/{id}.',
        params: ProjectParams,
        querystring: Type.Object({
          ...ExecutionFilterQuery,
          email: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "The user's meta.Email, exact and case-insensitive" })),
          ...PageQuery,
        }),
        response: { 200: ExecutionListPage, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const query = await executionQueryOf(ctx, state, request.query);
      if (!query) return { data: [], nextCursor: null };
      return listExecutions(ctx, state, query, { limit: pageLimit(request.query.limit), cursor: request.query.cursor });
    });
  };
}
