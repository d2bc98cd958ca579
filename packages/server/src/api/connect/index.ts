import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import { connectAuthHooks } from './caller.ts';
import { credentialsConnectRoutes } from './credentials.routes.ts';
import { integrationsConnectRoutes } from './integrations.routes.ts';
import { legacyProjectRoute, usersConnectRoutes } from './me.routes.ts';
import { metadataConnectRoutes } from './metadata.routes.ts';
import { buildOAuthRoute, oauthSessionRoutes } from './oauth.routes.ts';
import { proxyConnectRoutes } from './proxy.routes.ts';
import { workflowsConnectRoutes } from './workflows.routes.ts';
import { triggerConnectRoutes } from './triggers.routes.ts';

/** The Connect API (Paragon wire, User Token): one auth scope, one pair of hooks. */
export function connectApi(ctx: AppContext) {
  return async (scope: FastifyInstance): Promise<void> => {
    const hooks = connectAuthHooks(ctx);
    scope.decorateRequest('connectCaller', null);
    scope.addHook('onRequest', hooks.onRequest);
    scope.addHook('preHandler', hooks.preHandler);
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: [{ userToken: [] }] };
    });
    const sdk = { prefix: '/projects/:projectId/sdk' };
    await scope.register(usersConnectRoutes(ctx), sdk);
    await scope.register(integrationsConnectRoutes(ctx), sdk);
    await scope.register(metadataConnectRoutes(), sdk);
    await scope.register(workflowsConnectRoutes(ctx), sdk);
    await scope.register(credentialsConnectRoutes(ctx), sdk);
    await scope.register(oauthSessionRoutes(ctx), sdk);
    await scope.register(proxyConnectRoutes(ctx), sdk);
    await scope.register(triggerConnectRoutes(ctx, { requestTrigger: true }), sdk);
    await scope.register(buildOAuthRoute(ctx), { prefix: '/v2/projects/:projectId/sdk' });
    await scope.register(triggerConnectRoutes(ctx, { requestTrigger: false }), { prefix: '/v2/projects/:projectId/sdk' });
    await scope.register(legacyProjectRoute(ctx), { prefix: '/sdk/projects/:projectId' });
  };
}
