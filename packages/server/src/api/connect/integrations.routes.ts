import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AnyObject, CredentialHeaders, Open, ProjectParams, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';
import { uninstallIntegration, userCredentials } from '../../domain/connections/index.ts';
import { toSdkIntegration } from '../../domain/integrations/index.ts';

export function integrationsConnectRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/integrations', {
      schema: {
        tags: ['Connect'],
        summary: "The project's integrations as this user sees them",
        params: ProjectParams,
        response: { 200: Type.Array(AnyObject), ...errorResponses },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      const connected = new Set((await userCredentials(ctx.store.db, user)).map((c) => c.integrationId));
      return state.integrations.map((integration) => toSdkIntegration(state, integration, connected.has(integration.id)));
    });

    app.delete('/integrations/:integrationId', {
      schema: {
        tags: ['Connect'],
        summary: "Disconnect an integration: all the user's credentials for it, or the one in X-Paragon-Credential",
        params: Type.Intersect([ProjectParams, Type.Object({ integrationId: Type.String({ maxLength: 128, description: 'Integration id, or its type' }) })]),
        headers: CredentialHeaders,
        response: {
          200: Open({ integrationId: Type.String(), integrationType: Type.String(), deletedCredentialIds: Type.Array(Type.String()) }),
          ...errorResponses,
        },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      return uninstallIntegration(ctx, state, user, request.params.integrationId, request.headers['x-paragon-credential']);
    });
  };
}
