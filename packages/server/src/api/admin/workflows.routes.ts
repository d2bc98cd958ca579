import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { ListOf, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf } from './caller.ts';
import { integrationOf } from '../../domain/connections/index.ts';
import {
  ProjectWorkflow, WorkflowInput, WorkflowPatch, createWorkflow, deleteWorkflow, getWorkflow, toProjectWorkflow, updateWorkflow,
} from '../../domain/workflows/index.ts';

const WorkflowSchema = SchemaRef(ProjectWorkflow);
const WorkflowParams = Type.Intersect([ProjectParams, Type.Object({ workflowId: Type.String({ maxLength: 128 }) })]);

export function workflowsAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/workflows', {
      config: { scope: 'workflows:write' },
      schema: {
        tags: ['Admin: workflows'],
        summary: 'Define a workflow: its integration, trigger, steps and permissions (400 WORKFLOW_INVALID names a wrong field)',
        params: ProjectParams,
        body: SchemaRef(WorkflowInput),
        response: { 201: WorkflowSchema, ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const integration = integrationOf(state, request.body.integration);
      const workflow = await createWorkflow(ctx, {
        ...request.body,
        projectId: state.project.id,
        integrationId: integration.id,
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

    app.get('/workflows/:workflowId', {
      config: { scope: 'workflows:read' },
      schema: { tags: ['Admin: workflows'], summary: 'One workflow with its definition', params: WorkflowParams, response: { 200: WorkflowSchema, ...errorResponses } },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const workflow = await getWorkflow(ctx.store, state.project.id, request.params.workflowId);
      return toProjectWorkflow(workflow, state.integrationsById.get(workflow.integrationId)?.type ?? '');
    });

    app.patch('/workflows/:workflowId', {
      config: { scope: 'workflows:write' },
      schema: {
        tags: ['Admin: workflows'],
        summary: 'Change a workflow (fields left out keep their value; the integration cannot change)',
        params: WorkflowParams,
        body: SchemaRef(WorkflowPatch),
        response: { 200: WorkflowSchema, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const workflow = await updateWorkflow(ctx, state.project.id, request.params.workflowId, request.body, adminActor(request));
      return toProjectWorkflow(workflow, state.integrationsById.get(workflow.integrationId)?.type ?? '');
    });

    app.delete('/workflows/:workflowId', {
      config: { scope: 'workflows:write' },
      schema: {
        tags: ['Admin: workflows'],
        summary: 'Delete a workflow, its users\' states and its execution history',
        params: WorkflowParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      await deleteWorkflow(ctx, state.project.id, request.params.workflowId, adminActor(request));
      return reply.status(204).send(null);
    });
  };
}
