import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from './app-context.ts';
import { clientErrorHandler, closeConnectionsWithUnreadBodies } from './http/client-error.ts';
import { frameworkErrorHandler, registerErrorHandling } from './http/error-handler.ts';
import { registerInputGuard } from './http/input-guard.ts';
import { registerJsonParser } from './http/json-parser.ts';
import { ErrorBody } from './http/schemas.ts';
import { authenticateApiKey, authenticateUserToken } from './modules/auth/auth-hooks.ts';
import { credentialsConnectRoutes } from './modules/credentials/credentials.connect-routes.ts';
import { integrationsAdminRoutes } from './modules/integrations/integrations.admin-routes.ts';
import { integrationsConnectRoutes } from './modules/integrations/integrations.connect-routes.ts';
import { projectsAdminRoutes } from './modules/projects/projects.admin-routes.ts';
import { usersAdminRoutes } from './modules/users/users.admin-routes.ts';
import { legacyProjectRoute, usersConnectRoutes } from './modules/users/users.connect-routes.ts';
import { workflowsAdminRoutes } from './modules/workflows/workflows.admin-routes.ts';
import { workflowsConnectRoutes } from './modules/workflows/workflows.connect-routes.ts';

export interface BuildOptions {
  /** pino options, or false for no logging. @default false */
  logger?: FastifyServerOptions['logger'];
}

/** Secrets that must never reach a log line. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers["x-paragon-user-metadata"]',
  'req.headers.cookie',
];

export async function buildApp(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  // Node enforces headersTimeout/requestTimeout on this tick (30 s by default), so check often enough.
  const checkingIntervalMs = Math.max(100, Math.min(1000, Math.floor(config.headersTimeoutMs / 4)));
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    // The idle-socket timer must outlast the request timeout: a body that stalls is then answered 408
    // by the request timeout instead of being cut without an answer by the idle timer.
    connectionTimeout: config.requestTimeoutMs + 2 * checkingIntervalMs + 1000,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    maxRequestsPerSocket: config.maxRequestsPerSocket,
    http: {
      maxHeaderSize: config.maxHeaderBytes,
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs,
    },
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    routerOptions: { maxParamLength: 512 },
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.maxConnections = config.maxConnections;

  app.decorateRequest('connectAuth', null);
  app.decorateRequest('adminAuth', null);
  registerErrorHandling(app);
  closeConnectionsWithUnreadBodies(app);
  registerJsonParser(app);
  registerInputGuard(app);
  app.addSchema(ErrorBody);

  const anyOrigin = config.corsOrigins.includes('*');
  const connectCors = {
    origin: anyOrigin ? true : [...config.corsOrigins],
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    // No allowedHeaders: the preflight's Access-Control-Request-Headers are reflected, which covers the
    // SDK's X-Paragon-* headers and the caller's own headers on proxied requests.
    exposedHeaders: ['WWW-Authenticate'],
    maxAge: 600,
  };
  // The Admin API is called by backends with a project API key, never by browsers: no CORS at all.
  const noCors = { origin: false };
  await app.register(cors, {
    delegator: (request, callback) => callback(null, request.url.startsWith('/api/') ? noCors : connectCors),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Portico API',
        version: '0.1.0',
        description: 'Connect API (Paragon-compatible, User Token) and Admin API (project API key). Errors: { message, code, status, meta? }.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      components: {
        securitySchemes: {
          userToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (RS256 Paragon User Token)' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'Project API key (prt_…)' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { tags: ['Operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['Operations'], summary: 'Readiness: the database answers' } }, async (_request, reply) => {
    try {
      await ctx.store.db.selectFrom('projects').select('id').limit(1).execute();
      return { status: 'ready', store: ctx.store.dialect };
    } catch {
      return reply.status(503).send({ message: 'The database does not answer.', code: 'SERVICE_UNAVAILABLE', status: 503 });
    }
  });

  await app.register(async (scope) => {
    scope.addHook('onRequest', authenticateUserToken(ctx));
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: [{ userToken: [] }] };
    });
    await scope.register(usersConnectRoutes(ctx), { prefix: '/projects/:projectId/sdk' });
    await scope.register(integrationsConnectRoutes(ctx), { prefix: '/projects/:projectId/sdk' });
    await scope.register(workflowsConnectRoutes(ctx), { prefix: '/projects/:projectId/sdk' });
    await scope.register(credentialsConnectRoutes(ctx), { prefix: '/projects/:projectId/sdk' });
    await scope.register(legacyProjectRoute(ctx), { prefix: '/sdk/projects/:projectId' });
  });

  await app.register(async (scope) => {
    scope.addHook('onRequest', authenticateApiKey(ctx));
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: [{ apiKey: [] }] };
    });
    await scope.register(integrationsAdminRoutes(ctx));
    await scope.register(workflowsAdminRoutes(ctx));
    await scope.register(usersAdminRoutes(ctx));
    await scope.register(projectsAdminRoutes(ctx));
  }, { prefix: '/api/v1/projects/:projectId' });

  return app;
}
