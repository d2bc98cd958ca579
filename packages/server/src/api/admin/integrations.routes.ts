import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { AnyObject, Open, ProjectParams, errorResponses } from '../../platform/http/schemas.ts';
import { adminCallerOf } from './caller.ts';
import { integrationOf } from '../../domain/connections/index.ts';
import { createIntegration, type Integration } from '../../domain/integrations/index.ts';

const IntegrationSchema = Open({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  isActive: Type.Boolean(),
  brandColor: Type.String(),
  portalConfig: AnyObject,
  dateCreated: Type.String(),
  dateUpdated: Type.String(),
});

function toAdminIntegration(integration: Integration) {
  const { configId: _configId, ...rest } = integration;
  return rest;
}

export function integrationsAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/integrations', {
      schema: {
        tags: ['Admin: integrations'],
        summary: 'Add a built-in integration (by type) or a custom one (custom.<slug>)',
        params: ProjectParams,
        body: Type.Object({
          type: Type.String({ minLength: 1, maxLength: 80, examples: ['salesforce', 'custom.tasklab'] }),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: { 201: IntegrationSchema, ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const integration = await createIntegration(ctx.store, state.project.id, request.body);
      ctx.projects.invalidate(state.project.id);
      return reply.status(201).send(toAdminIntegration(integration));
    });

    app.get('/integrations', {
      schema: {
        tags: ['Admin: integrations'],
        summary: "The project's integrations",
        params: ProjectParams,
        response: { 200: Open({ data: Type.Array(IntegrationSchema) }), ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const fresh = await ctx.projects.get(state.project.id);
      if (!fresh) throw AppError.from('PROJECT_NOT_FOUND');
      return { data: fresh.integrations.map(toAdminIntegration) };
    });

    app.get('/integrations/:integrationId', {
      schema: {
        tags: ['Admin: integrations'],
        summary: 'One integration, by id or type',
        params: Type.Intersect([ProjectParams, Type.Object({ integrationId: Type.String({ maxLength: 128 }) })]),
        response: { 200: IntegrationSchema, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      return toAdminIntegration(integrationOf(state, request.params.integrationId));
    });
  };
}
