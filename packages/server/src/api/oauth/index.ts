import type { FastifyError, FastifyInstance } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import { toAppError } from '../../platform/http/error-handler.ts';
import { oauthAuthHook } from './caller.ts';
import { sendErrorPage } from './pages.ts';
import { oauthPageRoutes } from './pages.routes.ts';

/**
 * The OAuth pages (`/projects/{projectId}/sdk/actions/oauth-nonce`, `/oauth`): HTML for the SDK's
 * popup, one authentication hook, errors as pages. Not in the OpenAPI document: browsers, not API
 * clients, load them (docs/api.md describes them).
 */
export function oauthPages(ctx: AppContext) {
  return async (scope: FastifyInstance): Promise<void> => {
    scope.decorateRequest('oauthCaller', null);
    scope.addHook('onRequest', oauthAuthHook(ctx));
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const appError = toAppError(error);
      if (appError.status >= 500) request.log.error({ err: error }, 'OAuth page failed');
      else request.log.info({ code: appError.code, status: appError.status }, 'OAuth page refused');
      return sendErrorPage(reply, appError);
    });
    await scope.register(oauthPageRoutes(ctx));
  };
}
