import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { ListOf, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf } from './caller.ts';
import { integrationOf } from '../../domain/connections/index.ts';
import { ProjectWorkflow, createWorkflow, toProjectWorkflow } from '../../domain/workflows/index.ts';

const WorkflowSchema = SchemaRef(ProjectWorkflow);

export function workflowsAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/workflows', {
      config: { scope: 'workflows:write' },
      schema: {
        tags: ['Admin: workflows'],
        summary: 'Define a workflow attached to an integration (steps arrive in a later version)',
        params: ProjectParams,
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 200 }),
          integration: Type.String({ minLength: 1, maxLength: 128, description: 'Integration type or id' }),
          defaultEnabled: Type.Optional(Type.Boolean({ default: false })),
        }),
        response: { 201: WorkflowSchema, ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const integration = integrationOf(state, request.body.integration);
      const workflow = await createWorkflow(ctx, {
        projectId: state.project.id,
        integrationId: integration.id,
        name: request.body.name,
        defaultEnabled: request.body.defaultEnabled ?? false,
      }, adminActor(request));
      return reply.status(201).send(toProjectWorkflow(workflow, integration.type));
    });

    app.get('/workflows', {
      config: { scope: 'workflows:read' },
      schema: {
        tags: ['Admin: workflows'],
        summary: "The project's workflows",
        params: ProjectParams,
        response: { 200: ListOf(WorkflowSchema, "The project's workflows, oldest first"), ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      return { data: state.workflows.map((w) => toProjectWorkflow(w, state.integrationsById.get(w.integrationId)?.type ?? '')) };
    });
  };
}
