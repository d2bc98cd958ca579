import type { Transaction } from 'kysely';
import type { Database } from '../../domain/database.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { AnyObject, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf } from './caller.ts';
import { Credential, CredentialStatus, importCredential, integrationOf } from '../../domain/connections/index.ts';
import { ConnectedUserDetails, connectedUserDetails, ensureUserIn, findUser } from '../../domain/users/index.ts';

export const UserParams = Type.Intersect([ProjectParams, Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: "The app's user id (token sub)" }) })]);

export function usersAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/users/:userId', {
      schema: {
        tags: ['Admin: users'],
        summary: 'A Connected User: the GET /sdk/me shape plus timestamps and status',
        params: UserParams,
        response: { 200: ConnectedUserDetails, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const user = await findUser(ctx, state.project.id, request.params.userId);
      if (!user) throw AppError.from('USER_NOT_FOUND', `No Connected User "${request.params.userId.slice(0, 80)}" in this project.`);
      return connectedUserDetails(ctx, state, user);
    });

    app.post('/users/:userId/credentials', {
      schema: {
        tags: ['Admin: users'],
        summary: 'Import an existing credential for a user (migration from another platform); creates the user if needed',
        params: UserParams,
        body: Type.Object({
          integration: Type.String({ minLength: 1, maxLength: 128, description: 'Integration type or id' }),
          accessToken: Type.String({ minLength: 1, maxLength: 16_384 }),
          refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384 })),
          expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'RFC 3339 date-time of a real instant, e.g. 2030-01-31T12:00:00Z (no leap seconds, years 0001-9999)' })),
          providerId: Type.Optional(Type.String({ maxLength: 512 })),
          providerData: Type.Optional(AnyObject),
          externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          status: Type.Optional(SchemaRef(CredentialStatus)),
        }),
        response: { 201: SchemaRef(Credential, { description: 'The imported credential' }), ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const body = request.body;
      const integration = integrationOf(state, body.integration);
      const actor = adminActor(request);
      const ensureUser = (trx: Transaction<Database>) => ensureUserIn(ctx, trx, state.project.id, request.params.userId, actor);
      const credential = await importCredential(ctx, state, ensureUser, {
        integration,
        secrets: body.refreshToken ? { accessToken: body.accessToken, refreshToken: body.refreshToken } : { accessToken: body.accessToken },
        status: body.status,
        providerId: body.providerId,
        providerData: body.providerData,
        expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt).toISOString(),
        externalId: body.externalId,
      }, actor);
      return reply.status(201).send(credential);
    });
  };
}
