import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import {
  ReplayedExecution, StepExecutionData, WorkflowExecutionDetail, WorkflowExecutionPage, listTaskHistory, replayExecution, stepExecutionData, taskHistoryExecution,
} from '../../domain/workflows/index.ts';
import { ProjectParams, StringEnum, errorResponses } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf } from './caller.ts';
import { ExecutionFilterQuery, executionQueryOf } from './execution-filters.ts';

const TAGS = ['Task History (Paragon)'];
const ExecutionParams = Type.Intersect([ProjectParams, Type.Object({ executionId: Type.String({ minLength: 1, maxLength: 128, description: 'Workflow execution id' }) })]);
const StepParams = Type.Intersect([ExecutionParams, Type.Object({ stepExecutionId: Type.String({ minLength: 1, maxLength: 160, description: 'Step execution id (from stepExecutions)' }) })]);

/** Paragon's Task History API, mounted at `/projects/{projectId}/task-history`. */
export function taskHistoryRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/workflow-executions', {
      config: { scope: 'task-history:read' },
      schema: {
        tags: TAGS,
        summary: "The project's workflow executions, 100 a page, newest first unless sortBy=ASC",
        params: ProjectParams,
        querystring: Type.Object({
          ...ExecutionFilterQuery,
          offset: Type.Optional(Type.String({ pattern: '^(0|[1-9]\\d{0,8})$', description: 'Executions to skip (default 0); nextLink carries the next one' })),
          sortBy: Type.Optional(StringEnum(['ASC', 'DESC'] as const, { description: 'By creation time; default DESC' })),
        }),
        response: { 200: WorkflowExecutionPage, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const query = await executionQueryOf(ctx, state, request.query);
      if (!query) return { workflowExecutions: [], nextLink: null, total: 0 };
      const offset = Number(request.query.offset ?? 0);
      const page = await listTaskHistory(ctx, state, query, { offset, sortBy: request.query.sortBy ?? 'DESC' });
      return { workflowExecutions: page.workflowExecutions, total: page.total, nextLink: page.nextOffset === null ? null : nextLink(ctx, state.project.id, request.query, page.nextOffset) };
    });

    app.get('/workflow-executions/:executionId', {
      config: { scope: 'task-history:read' },
      schema: {
        tags: TAGS,
        summary: 'A workflow execution with its step executions (a trigger entry first)',
        params: ExecutionParams,
        response: { 200: WorkflowExecutionDetail, ...errorResponses },
      },
    }, async (request) => taskHistoryExecution(ctx, adminCallerOf(request).state, request.params.executionId));

    app.get('/workflow-executions/:executionId/step-executions/:stepExecutionId', {
      config: { scope: 'task-history:read' },
      schema: {
        tags: TAGS,
        summary: "A step execution's input and output (redacted; truncated past the size limit, with a flag)",
        params: StepParams,
        response: { 200: StepExecutionData, ...errorResponses },
      },
    }, async (request) => stepExecutionData(ctx, adminCallerOf(request).state, request.params.executionId, request.params.stepExecutionId));

    app.post('/workflow-executions/:executionId/replay', {
      config: { scope: 'workflows:write' },
      schema: {
        tags: TAGS,
        summary: 'Run a finished execution again (same workflow, user and trigger input), as a new queued execution',
        params: ExecutionParams,
        response: { 201: ReplayedExecution, ...errorResponses },
      },
    }, async (request, reply) => {
      const replay = await replayExecution(ctx, adminCallerOf(request).state, request.params.executionId, adminActor(request));
      return reply.status(201).send(replay);
    });
  };
}

/** The same list with the next offset, as an absolute URL on the server's public address. */
function nextLink(ctx: AppContext, projectId: string, query: Record<string, string | undefined>, offset: number): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && name !== 'offset') params.set(name, value);
  params.set('offset', String(offset));
  return `${ctx.config.publicUrl.replace(/\/+$/, '')}/projects/${projectId}/task-history/workflow-executions?${params}`;
}
