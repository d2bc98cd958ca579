import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf, tokenCallerOf } from './caller.ts';
import { cachedUserAnswer } from '../../domain/users/index.ts';
import { CredentialHeaders, UninstalledIntegration, connectedIntegrationIds, uninstallIntegration } from '../../domain/connections/index.ts';
import { SdkIntegration, toSdkIntegration } from '../../domain/integrations/index.ts';
import { permitted } from '../../domain/workflows/index.ts';

export function integrationsConnectRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/integrations', {
      config: { connectUser: 'self' },
      schema: {
        tags: ['Connect'],
        summary: "The project's integrations as this user sees them",
        params: ProjectParams,
        response: { 200: Type.Array(SchemaRef(SdkIntegration), { description: "The project's integrations" }), ...errorResponses },
      },
    }, async (request, reply) => {
      const { state, sub } = tokenCallerOf(request);
      // Served from the per-user answer cache like /sdk/me, so a repeat costs no query.
      const body = await cachedUserAnswer(ctx, state, sub, 'integrations', async (user) => {
        const connected = new Set(await connectedIntegrationIds(ctx.store.db, user.id));
        return reply.serialize(state.integrations.map((integration) => toSdkIntegration(state, integration, connected.has(integration.id), (w) => permitted(w.definition.permissions, user.meta)))) as string;
      });
      return reply.type('application/json; charset=utf-8').send(body);
    });

    app.delete('/integrations/:integrationId', {
      schema: {
        tags: ['Connect'],
        summary: "Disconnect an integration: all the user's credentials for it, or the one in X-Paragon-Credential",
        params: Type.Intersect([ProjectParams, Type.Object({ integrationId: Type.String({ maxLength: 128, description: 'Integration id, or its type' }) })]),
        headers: CredentialHeaders,
        response: { 200: UninstalledIntegration, ...errorResponses },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      return uninstallIntegration(ctx, state, user, request.params.integrationId, request.headers['x-paragon-credential']);
    });
  };
}
