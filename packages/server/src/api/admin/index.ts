import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import { adminAuthHook, requiredScope } from './caller.ts';
import { apiKeysAdminRoutes } from './api-keys.routes.ts';
import { auditAdminRoutes } from './audit.routes.ts';
import { executionsAdminRoutes } from './executions.routes.ts';
import { integrationsAdminRoutes } from './integrations.routes.ts';
import { projectsAdminRoutes } from './projects.routes.ts';
import { taskHistoryRoutes } from './task-history.routes.ts';
import { usersAdminRoutes } from './users.routes.ts';
import { userActionsAdminRoutes } from './user-actions.routes.ts';
import { webhooksAdminRoutes } from './webhooks.routes.ts';
import { workflowsAdminRoutes } from './workflows.routes.ts';

/** The Admin API (`/api/v1/projects/{projectId}`, project API key): one auth scope, one hook. */
export function adminApi(ctx: AppContext) {
  return async (scope: FastifyInstance): Promise<void> => {
    authenticateAdminCallers(ctx, scope);
    await scope.register(integrationsAdminRoutes(ctx));
    await scope.register(workflowsAdminRoutes(ctx));
    await scope.register(usersAdminRoutes(ctx));
    await scope.register(userActionsAdminRoutes(ctx));
    await scope.register(projectsAdminRoutes(ctx));
    await scope.register(apiKeysAdminRoutes(ctx));
    await scope.register(webhooksAdminRoutes(ctx));
    await scope.register(auditAdminRoutes(ctx));
    await scope.register(executionsAdminRoutes(ctx));
  };
}

/**
 * Paragon's Task History API (`/projects/{projectId}/task-history`): Paragon's paths, called with
 * the project API key (or the dashboard's session), so it takes the Admin API's hook and scopes.
 */
export function taskHistoryApi(ctx: AppContext) {
  return async (scope: FastifyInstance): Promise<void> => {
    authenticateAdminCallers(ctx, scope);
    await scope.register(taskHistoryRoutes(ctx));
  };
}

function authenticateAdminCallers(ctx: AppContext, scope: FastifyInstance): void {
  scope.decorateRequest('adminCaller', null);
  scope.addHook('onRequest', adminAuthHook(ctx));
  scope.addHook('onRoute', (route) => {
    // OpenAPI shows the scope each route needs; the hook enforces the same value.
    const needed = requiredScope(route.config as { scope?: never } | undefined);
    route.schema = { ...route.schema, security: [{ apiKey: [needed] }], 'x-required-scope': needed } as typeof route.schema;
  });
}
