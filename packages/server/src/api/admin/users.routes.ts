import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { AnyObject, Open, ProjectParams, WireCredentialSchema, errorResponses } from '../../platform/http/schemas.ts';
import { adminCallerOf } from './caller.ts';
import { createCredential, integrationOf } from '../../domain/connections/index.ts';
import { buildSdkMe } from '../../domain/users/index.ts';
import { findUser, resolveUser } from '../../domain/users/index.ts';

const UserParams = Type.Intersect([ProjectParams, Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: "The app's user id (token sub)" }) })]);

export function usersAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/users/:userId', {
      schema: {
        tags: ['Admin: users'],
        summary: 'A Connected User: the GET /sdk/me shape plus timestamps and status',
        params: UserParams,
        response: {
          200: Open({
            id: Type.String(),
            userId: Type.String(),
            active: Type.Boolean(),
            meta: AnyObject,
            integrations: Type.Record(Type.String(), AnyObject),
            dateCreated: Type.String(),
            dateUpdated: Type.String(),
            dateLastActive: Type.String(),
          }),
          ...errorResponses,
        },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const user = await findUser(ctx, state.project.id, request.params.userId);
      if (!user) throw AppError.from('USER_NOT_FOUND', `No Connected User "${request.params.userId.slice(0, 80)}" in this project.`);
      const { authenticated: _authenticated, ...me } = await buildSdkMe(ctx, state, user);
      return {
        ...me,
        id: user.id,
        active: user.active,
        dateCreated: user.dateCreated,
        dateUpdated: user.dateUpdated,
        dateLastActive: user.dateLastActive,
      };
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
          expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
          providerId: Type.Optional(Type.String({ maxLength: 512 })),
          providerData: Type.Optional(AnyObject),
          externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          status: Type.Optional(Type.Union([Type.Literal('VALID'), Type.Literal('INVALID'), Type.Literal('PENDING')])),
        }),
        response: { 201: WireCredentialSchema, ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const body = request.body;
      const integration = integrationOf(state, body.integration);
      const user = await resolveUser(ctx, state, request.params.userId);
      const credential = await createCredential(ctx, state, user, {
        integration,
        secrets: body.refreshToken ? { accessToken: body.accessToken, refreshToken: body.refreshToken } : { accessToken: body.accessToken },
        status: body.status,
        providerId: body.providerId,
        providerData: body.providerData,
        expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt).toISOString(),
        externalId: body.externalId,
      });
      return reply.status(201).send(credential);
    });
  };
}
