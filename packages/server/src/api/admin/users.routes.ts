import type { Transaction } from 'kysely';
import type { Database } from '../../domain/database.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { AnyObject, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf, requireScope } from './caller.ts';
import { Credential, CredentialStatus, importCredential, integrationOf } from '../../domain/connections/index.ts';
import { ConnectedUserDetails, USER_SORTS, connectedUserDetails, ensureUserIn, findUser, patchUserMeta, searchUsers, setUserActive, type UserSearch } from '../../domain/users/index.ts';
import type { JsonObject } from '../../platform/json/json.ts';
import { StringEnum } from '../../platform/http/schemas.ts';

export const UserParams = Type.Intersect([ProjectParams, Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: "The app's user id (token sub)" }) })]);

export function usersAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/users', {
      config: { scope: 'users:read' },
      schema: {
        tags: ['Admin: users'],
        summary: 'Find Connected Users: by email, name, free text, metadata, status, integration, activity',
        description: 'Any other query parameter named `meta.KEY` matches a top-level metadata value exactly (repeat for AND).',
        querystring: Type.Object({
          email: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Exact email (meta.Email), case-insensitive' })),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Prefix of meta.Name, case-insensitive' })),
          q: Type.Optional(Type.String({ maxLength: 512, description: 'Substring of name, email or user id' })),
          status: Type.Optional(StringEnum(['account_errors', 'connected'] as const, { description: 'account_errors: some credential is INVALID; connected: some credential is VALID' })),
          integration: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Users with a credential of this integration (type or id)' })),
          active: Type.Optional(StringEnum(['true', 'false'] as const, { description: 'false: disabled users' })),
          createdAfter: Type.Optional(Type.String({ format: 'date-time' })),
          createdBefore: Type.Optional(Type.String({ format: 'date-time' })),
          activeAfter: Type.Optional(Type.String({ format: 'date-time' })),
          sort: Type.Optional(StringEnum(USER_SORTS, { description: 'Default -created (newest first); name lists only users with a Name' })),
          limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]\\d?|1\\d\\d|200)$', description: '1-200, default 50' })),
          cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'nextCursor of the previous page' })),
        }, { additionalProperties: true }),
        response: {
          200: Type.Object({
            data: Type.Array(ConnectedUserDetails),
            nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last' }),
            total: Type.Integer({ description: 'Matching users; an estimate when totalIsEstimate' }),
            totalIsEstimate: Type.Boolean({ description: 'True above 10,000 matches on PostgreSQL (the planner\'s estimate)' }),
          }, { description: 'One page of matching users, in a stable order' }),
          ...errorResponses,
        },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const query = request.query as Record<string, string | string[] | undefined> & typeof request.query;
      const meta: Array<[string, string]> = [];
      for (const [name, value] of Object.entries(query)) {
        if (KNOWN_SEARCH_PARAMS.has(name)) {
          if (Array.isArray(value)) throw badQuery(name, `give ${name} once`);
          continue;
        }
        if (!name.startsWith('meta.') || name.length === 5) throw badQuery(name, `unknown parameter; use ${[...KNOWN_SEARCH_PARAMS].join(', ')} or meta.KEY`);
        for (const one of Array.isArray(value) ? value : [value ?? '']) meta.push([name.slice(5), one]);
      }
      const search: UserSearch = {
        email: query.email,
        name: query.name,
        q: query.q,
        meta,
        status: query.status,
        integrationId: query.integration === undefined ? undefined : integrationOf(state, query.integration).id,
        active: query.active === undefined ? undefined : query.active === 'true',
        createdAfter: query.createdAfter && new Date(query.createdAfter).toISOString(),
        createdBefore: query.createdBefore && new Date(query.createdBefore).toISOString(),
        activeAfter: query.activeAfter && new Date(query.activeAfter).toISOString(),
        sort: query.sort ?? '-created',
        limit: query.limit === undefined ? 50 : Number(query.limit),
        cursor: query.cursor,
      };
      return searchUsers(ctx, state, search);
    });

    app.get('/users/:userId', {
      config: { scope: 'users:read' },
      schema: {
        tags: ['Admin: users'],
        summary: 'A Connected User: the GET /sdk/me shape plus timestamps and status',
        description: 'Values of secret metadata keys show as "[secret]"; `?reveal=secrets` shows them in clear and needs the admin scope.',
        params: UserParams,
        querystring: Type.Object({ reveal: Type.Optional(StringEnum(['secrets'] as const, { description: 'secrets: values of secret metadata keys in clear (admin scope)' })) }),
        response: { 200: ConnectedUserDetails, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const revealSecrets = request.query.reveal === 'secrets';
      if (revealSecrets) requireScope(request, 'admin', 'Revealing secret metadata (?reveal=secrets)');
      const user = await findUser(ctx, state.project.id, request.params.userId);
      if (!user) throw AppError.from('USER_NOT_FOUND', `No Connected User "${request.params.userId.slice(0, 80)}" in this project.`);
      return connectedUserDetails(ctx, state, user, { revealSecrets });
    });

    app.patch('/users/:userId', {
      config: { scope: 'users:write' },
      schema: {
        tags: ['Admin: users'],
        summary: "Change a user's metadata (JSON merge patch, as PATCH /sdk/me) and/or disable or enable them",
        params: UserParams,
        body: Type.Object({
          meta: Type.Optional(AnyObject),
          active: Type.Optional(Type.Boolean({ description: 'false: Connect API calls answer 403 USER_DISABLED and workflows stop; true restores everything' })),
        }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: ConnectedUserDetails, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const { userId } = request.params;
      const actor = adminActor(request);
      if (!(await findUser(ctx, state.project.id, userId))) throw AppError.from('USER_NOT_FOUND', `No Connected User "${userId.slice(0, 80)}" in this project.`);
      if (request.body.meta !== undefined) await patchUserMeta(ctx, state, userId, request.body.meta as JsonObject, actor);
      let user = await findUser(ctx, state.project.id, userId);
      if (request.body.active !== undefined) user = await setUserActive(ctx, state.project.id, userId, request.body.active, actor);
      if (!user) throw AppError.from('USER_NOT_FOUND');
      return connectedUserDetails(ctx, state, user);
    });

    app.post('/users/:userId/credentials', {
      config: { scope: 'users:write' },
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

const KNOWN_SEARCH_PARAMS = new Set(['email', 'name', 'q', 'status', 'integration', 'active', 'createdAfter', 'createdBefore', 'activeAfter', 'sort', 'limit', 'cursor']);

function badQuery(name: string, message: string): AppError {
  return AppError.from('VALIDATION_FAILED', `Invalid request: querystring/${name.slice(0, 64)}: ${message}.`, {
    errors: [{ in: 'querystring', path: `/${name.slice(0, 64)}`, message }],
  });
}
