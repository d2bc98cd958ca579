import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../domain/context.ts';
import { checkPostMessageOrigin, completeOAuthFlow, integrationOf, issueNonceCookie } from '../../domain/connections/index.ts';
import { findUserById } from '../../domain/users/index.ts';
import { AppError } from '../../platform/errors.ts';
import { ProjectParams } from '../../platform/http/schemas.ts';
import { oauthCallerOf } from './caller.ts';
import { sendConnectedPage, sendErrorPage, sendNoncePage } from './pages.ts';

const Text = (maxLength: number) => Type.String({ maxLength });

export function oauthPageRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/projects/:projectId/sdk/actions/oauth-nonce', {
      config: { oauthAuth: 'query-token' },
      schema: {
        hide: true,
        params: ProjectParams,
        querystring: Type.Object({
          integrationId: Type.String({ minLength: 1, maxLength: 128 }),
          originForPostMessage: Type.String({ minLength: 1, maxLength: 512 }),
          userToken: Text(8192),
          action: Type.Optional(Text(128)),
        }),
      },
    }, async (request, reply) => {
      const { state, sub } = oauthCallerOf(request);
      const origin = checkPostMessageOrigin(ctx.config, request.query.originForPostMessage);
      const integration = integrationOf(state, request.query.integrationId);
      if (!integration.isActive) throw AppError.from('INTEGRATION_INACTIVE', `${integration.name} is not active in this project.`);
      void reply.header('set-cookie', issueNonceCookie(ctx, { projectId: state.project.id, sub, integrationId: integration.id }));
      return sendNoncePage(reply, integration.name, origin);
    });

    app.get('/oauth', {
      config: { oauthAuth: 'flow-state' },
      schema: {
        hide: true,
        querystring: Type.Object({
          state: Type.Optional(Text(512)),
          code: Type.Optional(Text(4096)),
          error: Type.Optional(Text(256)),
          error_description: Type.Optional(Text(2048)),
        }, { additionalProperties: true }),
      },
    }, async (request, reply) => {
      const { state, code, error, error_description: errorDescription, ...others } = request.query;
      const callbackParams = Object.fromEntries(Object.entries(others).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      const outcome = await completeOAuthFlow(ctx, {
        state, code, error, errorDescription, callbackParams, cookieHeader: request.headers.cookie, findUser: (id) => findUserById(ctx, id),
      });
      void reply.header('set-cookie', outcome.clearCookie);
      if (outcome.ok) {
        request.log.info({ integration: outcome.integration.type, credentialId: outcome.credentialId, reconnected: outcome.reconnected }, 'OAuth connection stored');
        return sendConnectedPage(reply, outcome);
      }
      request.log.info({ integration: outcome.integration.type, code: outcome.error.code }, 'OAuth connection ended without a credential');
      return sendErrorPage(reply, outcome.error, outcome.origin ? { origin: outcome.origin, integrationId: outcome.integration.id } : undefined);
    });
  };
}
