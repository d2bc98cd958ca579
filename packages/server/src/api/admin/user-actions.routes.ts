import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf } from './caller.ts';
import { UserParams } from './users.routes.ts';
import { CredentialHeaders, UninstalledIntegration, uninstallIntegration } from '../../domain/connections/index.ts';
import { findUser, type ConnectedUser } from '../../domain/users/index.ts';
import { WorkflowStateChange, setWorkflowEnabled } from '../../domain/workflows/index.ts';
import { ErasureReceipt, eraseUser, erasureReceipt } from '../../domain/erasure/index.ts';

const IntegrationParams = Type.Intersect([UserParams, Type.Object({ type: Type.String({ minLength: 1, maxLength: 128, description: 'Integration type (or id)' }) })]);
const WorkflowParams = Type.Intersect([UserParams, Type.Object({ workflowId: Type.String({ minLength: 1, maxLength: 128 }) })]);

/** Support acting for a user: what the user could do through the Connect API, done by an API key or staff. */
export function userActionsAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const existingUser = async (projectId: string, userId: string): Promise<ConnectedUser> => {
    const user = await findUser(ctx, projectId, userId);
    if (!user) throw AppError.from('USER_NOT_FOUND', `No Connected User "${userId.slice(0, 80)}" in this project.`);
    return user;
  };

  return async (app) => {
    app.delete('/users/:userId', {
      config: { scope: 'users:erase' },
      schema: {
        tags: ['Admin: users'],
        summary: "Erase a user (GDPR): revoke their tokens at the providers (best effort), delete their credentials, settings, metadata, executions, audit events and stored webhook payloads; answers the receipt",
        description: 'A tombstone keeps the receipt under a hash of the user id (GET /erasures/{userId}). A later token for the same sub starts a new, empty user.',
        params: UserParams,
        response: { 200: SchemaRef(ErasureReceipt), ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      return eraseUser(ctx, state, request.params.userId, adminActor(request));
    });

    app.get('/erasures/:userId', {
      config: { scope: 'users:read' },
      schema: {
        tags: ['Admin: users'],
        summary: "The receipt of a user's erasure, shown again; 404 ERASURE_NOT_FOUND if that id was never erased",
        params: UserParams,
        response: { 200: SchemaRef(ErasureReceipt), ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const receipt = await erasureReceipt(ctx, state.project.id, request.params.userId);
      if (!receipt) throw AppError.from('ERASURE_NOT_FOUND', `No erasure of "${request.params.userId.slice(0, 80)}" is recorded in this project.`);
      return receipt;
    });

    app.delete('/users/:userId/integrations/:type', {
      config: { scope: 'users:write' },
      schema: {
        tags: ['Admin: users'],
        summary: "Disconnect an integration for a user: the same as their own uninstall (tokens revoked at the provider where it allows it); all credentials of it, or the one in X-Paragon-Credential",
        params: IntegrationParams,
        headers: CredentialHeaders,
        response: { 200: UninstalledIntegration, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const user = await existingUser(state.project.id, request.params.userId);
      return uninstallIntegration(ctx, state, user, request.params.type, request.headers['x-paragon-credential'], adminActor(request));
    });

    for (const [method, enabled] of [['POST', true], ['DELETE', false]] as const) {
      app.route({
        method,
        url: '/users/:userId/workflows/:workflowId',
        config: { scope: 'users:write' },
        schema: {
          tags: ['Admin: users'],
          summary: enabled ? 'Enable a workflow for a user (their credential of its integration must be VALID)' : 'Disable a workflow for a user',
          params: WorkflowParams,
          headers: CredentialHeaders,
          response: { 200: SchemaRef(WorkflowStateChange), ...errorResponses },
        },
        handler: async (request) => {
          const { state } = adminCallerOf(request);
          const user = await existingUser(state.project.id, request.params.userId);
          return setWorkflowEnabled(ctx, state, user, request.params.workflowId, enabled, {
            credential: request.headers['x-paragon-credential'],
            configuration: request.headers['x-paragon-configuration-id'],
          }, adminActor(request));
        },
      });
    }
  };
}
