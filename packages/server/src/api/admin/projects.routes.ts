import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { Open, ProjectParams, errorResponses } from '../../platform/http/schemas.ts';
import { adminCallerOf } from './caller.ts';
import { listSigningKeys, rotateSigningKey } from '../../domain/projects/index.ts';

const SigningKey = Open({ id: Type.String(), active: Type.Boolean(), dateCreated: Type.String(), dateRevoked: Type.Union([Type.String(), Type.Null()]) });

export function projectsAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/signing-keys', {
      schema: {
        tags: ['Admin: project'],
        summary: 'Rotate the signing key: generate one (private key returned once) or upload your public key. The previous key stops working at once',
        params: ProjectParams,
        body: Type.Object({ publicKeyPem: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384 })) }),
        response: { 201: Open({ id: Type.String(), privateKeyPem: Type.Optional(Type.String()) }), ...errorResponses },
      },
      // No body at all means "generate one".
      preValidation: async (request) => {
        request.body ??= {};
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      const publicKeyPem = request.body.publicKeyPem;
      const rotated = await rotateSigningKey(ctx.store, state.project.id, publicKeyPem === undefined ? undefined : { publicKeyPem });
      ctx.projects.invalidate(state.project.id);
      return reply.status(201).send({ id: rotated.keyId, ...(rotated.privateKeyPem ? { privateKeyPem: rotated.privateKeyPem } : {}) });
    });

    app.get('/signing-keys', {
      schema: {
        tags: ['Admin: project'],
        summary: "The project's signing keys, newest first (public keys are never shown back, private keys never stored)",
        params: ProjectParams,
        response: { 200: Open({ data: Type.Array(SigningKey) }), ...errorResponses },
      },
    }, async (request) => {
      const { state } = adminCallerOf(request);
      return { data: await listSigningKeys(ctx.store, state.project.id) };
    });
  };
}
