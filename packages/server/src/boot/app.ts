import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../domain/context.ts';
import { clientErrorHandler, closeConnectionsWithUnreadBodies } from '../platform/http/client-error.ts';
import { frameworkErrorHandler, registerErrorHandling } from '../platform/http/error-handler.ts';
import { registerStrictFormats } from '../platform/http/formats.ts';
import { registerInputGuard } from '../platform/http/input-guard.ts';
import { trackInFlight, type InFlightRequests } from '../platform/http/in-flight.ts';
import { registerJsonParser } from '../platform/http/json-parser.ts';
import { schemaCompilers } from '../platform/http/lazy-schemas.ts';
import { adminApi, taskHistoryApi } from '../api/admin/index.ts';
import { connectApi } from '../api/connect/index.ts';
import { dashboardApi } from '../api/dashboard/index.ts';
import { oauthPages } from '../api/oauth/index.ts';
import { opsApi } from '../api/ops/index.ts';
import { portalApi } from '../api/portal/index.ts';
import { SHARED_SCHEMAS } from '../api/wire-schemas.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Requests not answered yet, also those whose client has gone (see trackInFlight). */
    inFlight: InFlightRequests;
  }
}

const TASK_HISTORY_PATH = /^\/projects\/[^/?]+\/task-history(?:[/?]|$)/;

export interface BuildOptions {
  /** pino options, or false for no logging. @default false */
  logger?: FastifyServerOptions['logger'];
  /** Compile every route's schemas while the app is built (Fastify's default) instead of on first use. @default false */
  eagerSchemas?: boolean;
}

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
    schemaController: { compilersFactory: schemaCompilers({ eager: options.eagerSchemas ?? false }) },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false }, onCreate: registerStrictFormats },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.maxConnections = config.maxConnections;

  registerErrorHandling(app);
  app.decorate('inFlight', trackInFlight(app));
  closeConnectionsWithUnreadBodies(app);
  registerJsonParser(app);
  registerInputGuard(app);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  const anyOrigin = config.corsOrigins.includes('*');
  const connectCors = {
    origin: anyOrigin ? true : [...config.corsOrigins],
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    // No allowedHeaders: the preflight's Access-Control-Request-Headers are reflected, which covers the
    // SDK's X-Paragon-* headers and the caller's own headers on proxied requests.
    exposedHeaders: ['WWW-Authenticate', 'Retry-After'],
    maxAge: 600,
  };
  // The Admin API and Task History are called by backends with a project API key, never by browsers:
  // no CORS at all. Their routes opt out (`config.cors: false`, set as each route is added) and their
  // preflights find no route; every other route has the same static options, resolved once (a
  // per-request delegator rebuilt them on every request: 2% of a busy server's time).
  const backendOnly = (url: string) => url.startsWith('/api/') || TASK_HISTORY_PATH.test(url);
  app.addHook('onRoute', (route) => {
    if (backendOnly(route.url)) route.config = { ...route.config, cors: false } as typeof route.config;
  });
  await app.register(cors, connectCors);
  for (const url of ['/api/*', '/projects/:projectId/task-history', '/projects/:projectId/task-history/*']) {
    app.options(url, { schema: { hide: true } }, (_request, reply) => reply.callNotFound());
  }

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

  await app.register(opsApi(ctx));
  await app.register(connectApi(ctx));
  await app.register(oauthPages(ctx));
  await app.register(dashboardApi(ctx));
  await app.register(portalApi(ctx));
  await app.register(adminApi(ctx), { prefix: '/api/v1/projects/:projectId' });
  await app.register(taskHistoryApi(ctx), { prefix: '/projects/:projectId/task-history' });

  return app;
}
