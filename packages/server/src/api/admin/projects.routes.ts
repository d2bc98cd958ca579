import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { ListOf, ProjectParams, errorResponses, Open } from '../../platform/http/schemas.ts';
import { adminActor, adminCallerOf } from './caller.ts';
import {
  API_KEY_ROTATION_OVERLAP_SECONDS, DEFAULT_SIGNING_KEY_GRACE_SECONDS, MAX_SIGNING_KEY_GRACE_SECONDS, PLANS,
  getProject, listSigningKeys, rotateApiKey, rotateSigningKey, setProjectPlan,
} from '../../domain/projects/index.ts';
import { SECRET_META_LIMITS, setSecretMetaKeys } from '../../domain/users/index.ts';
import { AppError } from '../../platform/errors.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const KeyState = Type.Union([Type.Literal('active'), Type.Literal('grace'), Type.Literal('revoked')], {
  description: 'active: current; grace: rotated out, still accepted until expiresAt; revoked: no longer accepted',
});
const RetiredKey = Open({ id: Type.String(), state: KeyState, expiresAt: Type.String() });

const SigningKey = Open({
  id: Type.String({ description: 'The kid a User Token may name' }),
  state: KeyState,
  active: Type.Boolean({ description: 'state is active' }),
  dateCreated: Type.String(),
  dateRevoked: Nullable(Type.String({ description: 'When it was rotated out' })),
  expiresAt: Nullable(Type.String({ description: 'When it stops verifying tokens; null for the current key' })),
  createdByApiKeyId: Nullable(Type.String({ description: 'The API key that generated or uploaded it; null when made by the CLI' })),
});

const ProjectSchema = Open({
  id: Type.String(),
  name: Type.String(),
  plan: Type.Union(PLANS.map((plan) => Type.Literal(plan))),
  secretMetaKeys: Type.Array(Type.String(), { description: 'Metadata keys whose values are encrypted at rest and shown as "[secret]"' }),
  dateCreated: Type.String(),
  dateUpdated: Type.String(),
}, 'The project');

export function projectsAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.patch('', {
      schema: {
        tags: ['Admin: project'],
        summary: "Change the project's plan (the features it unlocks follow at once) and/or its secret metadata keys",
        params: ProjectParams,
        body: Type.Object({
          plan: Type.Optional(Type.Union(PLANS.map((plan) => Type.Literal(plan)))),
          secretMetaKeys: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: SECRET_META_LIMITS.maxKeyLength }), {
            maxItems: SECRET_META_LIMITS.maxKeys,
            description: 'Replaces the list: top-level metadata keys whose values are encrypted at rest, write-only through the Connect API and "[secret]" in the Admin API',
          })),
        }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: ProjectSchema, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const actor = adminActor(request);
      if (request.body.secretMetaKeys !== undefined) await setSecretMetaKeys(ctx, state.project.id, request.body.secretMetaKeys, actor);
      if (request.body.plan !== undefined) await setProjectPlan(ctx, state.project.id, request.body.plan, actor);
      const project = await getProject(ctx.store, state.project.id);
      if (!project) throw AppError.from('PROJECT_NOT_FOUND');
      return project;
    });

    app.get('', {
      schema: {
        tags: ['Admin: project'],
        summary: 'The project: name, plan and secret metadata keys',
        params: ProjectParams,
        response: { 200: ProjectSchema, ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      const project = await getProject(ctx.store, state.project.id);
      if (!project) throw AppError.from('PROJECT_NOT_FOUND');
      return project;
    });

    app.post('/signing-keys', {
      schema: {
        tags: ['Admin: project'],
        summary: 'Rotate the signing key: generate one (private key returned once) or upload your public key. Tokens signed with the previous keys keep working for graceSeconds',
        params: ProjectParams,
        body: Type.Object({
          publicKeyPem: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384 })),
          graceSeconds: Type.Optional(Type.Integer({
            minimum: 0,
            maximum: MAX_SIGNING_KEY_GRACE_SECONDS,
            default: DEFAULT_SIGNING_KEY_GRACE_SECONDS,
            description: 'How long the previous keys keep verifying tokens; 0 revokes them at once (a leaked key)',
          })),
        }),
        response: {
          201: Open({ id: Type.String(), privateKeyPem: Type.Optional(Type.String({ description: 'Shown once, only when Portico generated the pair' })), previousKeys: Type.Array(RetiredKey) }, 'The new current key and what became of the previous ones'),
          ...errorResponses,
        },
      },
      // No body at all means "generate one".
      preValidation: async (request) => {
        request.body ??= {};
      },
    }, async (request, reply) => {
      const { state, apiKeyId } = adminCallerOf(request);
      const { publicKeyPem, graceSeconds } = request.body;
      const rotated = await rotateSigningKey(ctx, state.project.id, { publicKeyPem, graceSeconds, createdByApiKeyId: apiKeyId ?? undefined }, adminActor(request));
      return reply.status(201).send({
        id: rotated.keyId,
        ...(rotated.privateKeyPem ? { privateKeyPem: rotated.privateKeyPem } : {}),
        previousKeys: rotated.previousKeys,
      });
    });

    app.get('/signing-keys', {
      schema: {
        tags: ['Admin: project'],
        summary: "The project's signing keys, newest first, with their state (public keys are never shown back, private keys never stored)",
        params: ProjectParams,
        response: { 200: ListOf(SigningKey, "The project's signing keys, newest first"), ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      return { data: await listSigningKeys(ctx.store, state.project.id) };
    });

    app.post('/api-keys/rotate', {
      schema: {
        tags: ['Admin: project'],
        summary: `Issue a new admin API key (shown once). The previous admin keys keep working for ${API_KEY_ROTATION_OVERLAP_SECONDS / 60} minutes, or stop at once with revokeOld`,
        params: ProjectParams,
        body: Type.Object({ revokeOld: Type.Optional(Type.Boolean({ default: false, description: 'Revoke the previous keys at once (a leaked key)' })) }),
        response: {
          201: Open({
            id: Type.String(),
            apiKey: Type.String({ description: 'Shown once; only its SHA-256 is stored' }),
            keyPrefix: Type.String(),
            scopes: Type.Array(Type.String()),
            dateCreated: Type.String(),
            previousKeys: Type.Array(RetiredKey),
          }, 'The new admin API key (shown once) and what became of the previous ones'),
          ...errorResponses,
        },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const rotated = await rotateApiKey(ctx, state.project.id, { revokeOld: request.body.revokeOld ?? false }, adminActor(request));
      return reply.status(201).send(rotated);
    });
  };
}
