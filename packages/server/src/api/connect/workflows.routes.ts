import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';
import { CredentialHeaders } from '../../domain/connections/index.ts';
import { WorkflowStateChange, setWorkflowEnabled } from '../../domain/workflows/index.ts';

const Params = Type.Intersect([ProjectParams, Type.Object({ workflowId: Type.String({ maxLength: 128 }) })]);

export function workflowsConnectRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    for (const [method, enabled] of [['POST', true], ['DELETE', false]] as const) {
      app.route({
        method,
        url: '/workflows/:workflowId',
        schema: {
          tags: ['Connect'],
          summary: enabled ? 'Enable a workflow for the user (needs a VALID credential)' : 'Disable a workflow for the user',
          params: Params,
          headers: CredentialHeaders,
          response: { 200: SchemaRef(WorkflowStateChange), ...errorResponses },
        },
        handler: async (request) => {
          const { state, user } = callerOf(request);
          return setWorkflowEnabled(ctx, state, user, request.params.workflowId, enabled, {
            credential: request.headers['x-paragon-credential'],
            configuration: request.headers['x-paragon-configuration-id'],
          });
        },
      });
    }
  };
}
