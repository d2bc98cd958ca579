import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { ApiKeyInfo, CreateApiKeyBody, NewApiKey, createApiKey, deleteApiKey, listApiKeys } from '../../domain/projects/index.ts';
import { ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf } from './caller.ts';

const ApiKeyParams = Type.Intersect([ProjectParams, Type.Object({ apiKeyId: Type.String({ minLength: 1, maxLength: 64 }) })]);

/** Scoped API keys: a support backend can read users without being able to erase them. */
export function apiKeysAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api-keys', {
      schema: {
        tags: ['Admin: API keys'],
        summary: 'Create an API key with the given scopes; the key is shown once',
        body: CreateApiKeyBody,
        response: { 201: SchemaRef(NewApiKey), ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const created = await createApiKey(ctx, state.project.id, request.body, adminActor(request));
      return reply.status(201).send(created);
    });

    app.get('/api-keys', {
      schema: {
        tags: ['Admin: API keys'],
        summary: "The project's API keys that are not revoked: name, scopes, created, last used",
        response: { 200: Type.Object({ data: Type.Array(SchemaRef(ApiKeyInfo)) }, { description: 'Active keys, oldest first' }), ...errorResponses },
      },
    }, async (request) => ({ data: await listApiKeys(ctx.store, adminCallerOf(request).state.project.id) }));

    app.delete('/api-keys/:apiKeyId', {
      schema: {
        tags: ['Admin: API keys'],
        summary: 'Revoke an API key at once, on every node (not the last admin key)',
        params: ApiKeyParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...errorResponses },
      },
    }, async (request, reply) => {
      await deleteApiKey(ctx, adminCallerOf(request).state.project.id, request.params.apiKeyId, adminActor(request));
      return reply.status(204).send(null);
    });
  };
}
