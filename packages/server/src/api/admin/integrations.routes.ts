import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { ListOf, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf } from './caller.ts';
import { integrationOf } from '../../domain/connections/index.ts';
import {
  CreateIntegrationBody, ProjectIntegration, UpdateIntegrationBody, createIntegration, oauthRedirectUri, toProjectIntegration, updateIntegration,
  type Integration,
} from '../../domain/integrations/index.ts';

const IntegrationSchema = SchemaRef(ProjectIntegration);
const IntegrationParams = Type.Intersect([ProjectParams, Type.Object({ integrationId: Type.String({ maxLength: 128, description: 'Integration id, or its type' }) })]);

export function integrationsAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const redirectUri = oauthRedirectUri(ctx.config.publicUrl);
  const view = (integration: Integration) => toProjectIntegration(integration, redirectUri);

  return async (app) => {
    app.post('/integrations', {
      config: { scope: 'integrations:write' },
      schema: {
        tags: ['Admin: integrations'],
        summary: 'Add a built-in integration (by type) or a custom one ("custom" with a name, or custom.<slug>), with its OAuth client or API-key inputs',
        params: ProjectParams,
        body: CreateIntegrationBody,
        response: { 201: IntegrationSchema, ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const integration = await createIntegration(ctx, state.project.id, request.body, adminActor(request));
      return reply.status(201).send(view(integration));
    });

    app.get('/integrations', {
      config: { scope: 'integrations:write' },
      schema: {
        tags: ['Admin: integrations'],
        summary: "The project's integrations",
        params: ProjectParams,
        response: { 200: ListOf(IntegrationSchema, "The project's integrations, oldest first"), ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const fresh = await ctx.projects.get(state.project.id);
      if (!fresh) throw AppError.from('PROJECT_NOT_FOUND');
      return { data: fresh.integrations.map(view) };
    });

    app.get('/integrations/:integrationId', {
      config: { scope: 'integrations:write' },
      schema: {
        tags: ['Admin: integrations'],
        summary: 'One integration, by id or type',
        params: IntegrationParams,
        response: { 200: IntegrationSchema, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      return view(integrationOf(state, request.params.integrationId));
    });

    app.patch('/integrations/:integrationId', {
      config: { scope: 'integrations:write' },
      schema: {
        tags: ['Admin: integrations'],
        summary: 'Change an integration: name, portal text, activity, OAuth client, scopes, custom provider definition, or (built-ins) endpoint overrides; null removes a field',
        params: IntegrationParams,
        body: UpdateIntegrationBody,
        response: { 200: IntegrationSchema, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const integration = integrationOf(state, request.params.integrationId);
      return view(await updateIntegration(ctx, state.project.id, integration.id, request.body, adminActor(request)));
    });
  };
}
