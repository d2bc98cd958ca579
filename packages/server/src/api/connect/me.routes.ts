import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { isPlainObject, type JsonObject } from '../../platform/json/json.ts';
import { ESCAPED_NUL } from '../../platform/http/json-parser.ts';
import { AnyObject, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { tokenCallerOf } from './caller.ts';
import { SdkProject, toSdkProject } from '../../domain/projects/index.ts';
import { METADATA_LIMITS, SdkMe, UserMetadata, checkPatch, patchUserMeta, resolveUser, sdkMeJson } from '../../domain/users/index.ts';

function headerMetadata(raw: string | string[] | undefined): JsonObject | undefined {
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw[0] ?? '' : raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw AppError.from('USER_METADATA_HEADER_INVALID', 'The X-Paragon-User-Metadata header is not valid JSON; send a JSON object or leave the header out.');
  }
  if (!isPlainObject(parsed) || ESCAPED_NUL.test(text)) throw AppError.from('USER_METADATA_HEADER_INVALID');
  checkPatch(parsed);
  return parsed;
}

export function usersConnectRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/me', {
      config: { connectUser: 'self' },
      schema: {
        tags: ['Connect'],
        summary: "The user's integrations, credentials, settings and metadata (SDK authenticate/getUser)",
        params: ProjectParams,
        headers: Type.Object({ 'x-paragon-user-metadata': Type.Optional(Type.String({ maxLength: 70_000 })) }),
        response: { 200: SdkMe, ...errorResponses },
      },
    }, async (request, reply) => {
      const { state, sub } = tokenCallerOf(request);
      const headerMeta = headerMetadata(request.headers['x-paragon-user-metadata']);
      // Serialized by the route's own response serializer, so a cached body is byte-identical.
      const body = await sdkMeJson(ctx, state, sub, headerMeta, (me) => reply.serialize(me) as string);
      return reply.type('application/json; charset=utf-8').send(body);
    });

    app.patch('/me', {
      config: { connectUser: 'self', maxJsonEntries: METADATA_LIMITS.maxBodyEntries },
      bodyLimit: Math.min(ctx.config.bodyLimitBytes, METADATA_LIMITS.maxBodyBytes),
      schema: {
        tags: ['Connect'],
        summary: 'Merge metadata into the user (JSON Merge Patch; null deletes a key)',
        params: ProjectParams,
        body: Type.Object({ meta: AnyObject }, { additionalProperties: true }),
        response: { 200: UserMetadata, ...errorResponses },
      },
    }, async (request) => {
      const { state, sub } = tokenCallerOf(request);
      const user = await patchUserMeta(ctx, state, sub, request.body.meta);
      return { userId: user.userId, meta: user.meta };
    });
  };
}

/**
 * `GET /sdk/projects/{projectId}`: the bootstrap call of SDK 1.0.x, which sends metadata in the
 * X-Paragon-User-Metadata header and expects the project object back.
 */
export function legacyProjectRoute(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/', {
      config: { connectUser: 'self' },
      schema: {
        tags: ['Connect'],
        summary: 'SDK 1.0.x bootstrap: the project, merging X-Paragon-User-Metadata into the user',
        params: ProjectParams,
        headers: Type.Object({ 'x-paragon-user-metadata': Type.Optional(Type.String({ maxLength: 70_000 })) }),
        response: { 200: SchemaRef(SdkProject), ...errorResponses },
      },
    }, async (request) => {
      const { state, sub } = tokenCallerOf(request);
      await resolveUser(ctx, state, sub, headerMetadata(request.headers['x-paragon-user-metadata']));
      return toSdkProject(state);
    });
  };
}
