import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { callIntegrationApi, outputJson, returnedHeaders, type ApiTarget, type IntegrationApiResponse } from '../../domain/connections/index.ts';
import { ProjectParams, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const MARKER = '/sdk/proxy/';
/** Meta repeats the provider's answer only while it is small: the SDK turns meta into the error's message. */
const MAX_META_OUTPUT = 4096;

const ProxyHeaders = Type.Object({
  'x-paragon-credential': Type.Optional(Type.String({ maxLength: 256, description: "The credential to call with (id, ext:<externalId> or externalId); default: the user's oldest credential of the integration" })),
  'x-paragon-proxy-url': Type.Optional(Type.String({ maxLength: 8192, description: "Full URL to call instead of the path, on the integration's API origin" })),
  'x-paragon-use-raw-response': Type.Optional(Type.String({ maxLength: 8, description: "1 or true: answer the provider's status, safe headers and body unchanged" })),
});

const ProxyOutput = Type.Object(
  { output: Type.Unknown({ description: "The provider's answer: parsed JSON when it answered JSON, else its text" }) },
  { description: "The provider's answer, with the provider's status. With X-Paragon-Use-Raw-Response: 1, the provider's body and headers unchanged instead." },
);

const integrationError = (description: string) => Type.Ref('ErrorBody', { description });

/**
 * The target of a call: X-Paragon-Proxy-Url, else the raw path after the integration segment
 * (`skip` segments after /sdk/proxy/), query included, percent-encoding kept as sent.
 */
function targetOf(request: FastifyRequest, skip: number): ApiTarget {
  const header = request.headers['x-paragon-proxy-url'];
  if (typeof header === 'string' && header.trim() !== '') return { url: header };
  const url = request.url;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  let rest = path.slice(path.indexOf(MARKER) + MARKER.length);
  for (let i = 0; i < skip; i++) rest = rest.includes('/') ? rest.slice(rest.indexOf('/') + 1) : '';
  return { path: `/${rest}${queryAt === -1 ? '' : url.slice(queryAt)}` };
}

function wantsRaw(request: FastifyRequest): boolean {
  const value = request.headers['x-paragon-use-raw-response'];
  return typeof value === 'string' && ['1', 'true'].includes(value.trim().toLowerCase());
}

/** The status answered: the provider's, unless HTTP has no such final status (600 and up), then 502. */
const statusOf = (response: IntegrationApiResponse) => (response.status >= 200 && response.status <= 599 ? response.status : 502);

function sendRaw(reply: FastifyReply, response: IntegrationApiResponse): FastifyReply {
  const status = statusOf(response);
  void reply.status(status).headers(returnedHeaders(response.headers));
  return reply.send(status === 204 || status === 304 ? undefined : response.body);
}

/**
 * `{ output }` with the provider's status; a provider error (4xx, 5xx) is also the error envelope
 * with `meta.isIntegrationError`, so the SDK neither logs the user out nor reloads /sdk/me for it.
 */
function sendOutput(reply: FastifyReply, response: IntegrationApiResponse): FastifyReply {
  const status = statusOf(response);
  void reply.status(status);
  if (status === 204 || status === 304) return reply.send();
  const output = outputJson(response.headers, response.body);
  void reply.type('application/json; charset=utf-8');
  if (status < 400) return reply.send(`{"output":${output}}`);
  const name = response.integration.name;
  const meta = `{"isIntegrationError":true,"integrationType":${JSON.stringify(response.integration.type)},"status":${response.status}${output.length <= MAX_META_OUTPUT ? `,"output":${output}` : ',"outputTruncated":true'}}`;
  const message = JSON.stringify(`${name} answered ${response.status}.`);
  return reply.send(`{"message":${message},"code":"INTEGRATION_API_ERROR","status":${status},"meta":${meta},"output":${output}}`);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** A Content-Type that is no media type (the SDK's `auto`), as the caller sent it. */
    proxyContentType: string | undefined;
  }
}

/** Paragon's proxy: `ANY /projects/{pid}/sdk/proxy/{integrationType}/{path}` and its variants. */
export function proxyConnectRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Any body, passed on as bytes; JSON is not parsed here. The SDK sends `Content-Type: auto`,
    // which is no media type: Fastify would answer 415, so it is set aside before the body is read.
    app.decorateRequest('proxyContentType', undefined);
    app.addHook('onRequest', (request, _reply, done) => {
      const type = request.headers['content-type'];
      if (type !== undefined && !type.includes('/')) {
        request.proxyContentType = type;
        request.headers['content-type'] = 'application/octet-stream';
      }
      done();
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.proxyMaxRequestBytes }, (_request, body, done) => done(null, body));

    // SDK 1.x's custom form, /sdk/proxy/custom/{integrationId}/{path}, names the integration one segment later.
    const handle = (legacyCustom: boolean) => async (request: FastifyRequest<{ Params: { integrationType?: string; integrationId?: string } }>, reply: FastifyReply) => {
      const { state, user } = callerOf(request);
      const aborted = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) aborted.abort();
      });
      const response = await callIntegrationApi(ctx, state, user, {
        integrationRef: (legacyCustom ? request.params.integrationId : request.params.integrationType) ?? '',
        credentialRef: request.headers['x-paragon-credential'] as string | undefined,
        method: request.method,
        target: targetOf(request, legacyCustom ? 2 : 1),
        headers: request.proxyContentType === undefined ? request.headers : { ...request.headers, 'content-type': request.proxyContentType },
        body: Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined,
        signal: aborted.signal,
      });
      return wantsRaw(request) ? sendRaw(reply, response) : sendOutput(reply, response);
    };

    const schema = (summary: string, params: TSchema) => ({
      tags: ['Connect'],
      summary,
      params,
      headers: ProxyHeaders,
      response: {
        200: ProxyOutput,
        ...errorResponses,
        401: integrationError('Bad User Token; the credential is INVALID (CREDENTIAL_INVALID, the SDK then reloads /sdk/me); or the provider answered 401 after one refresh (INTEGRATION_API_ERROR with meta.isIntegrationError)'),
        403: integrationError('The user is disabled, the target is a private address not allowed (OUTBOUND_REQUEST_BLOCKED), or the provider answered 403 (INTEGRATION_API_ERROR)'),
        404: integrationError('No such integration, the user has not connected it (INTEGRATION_NOT_INSTALLED, "Integration not enabled for user."), no such credential'),
        413: integrationError('The request body is larger than PORTICO_PROXY_MAX_REQUEST_BYTES (BODY_TOO_LARGE)'),
        502: integrationError("The integration's API is unreachable, answered too much, or answered a 5xx (INTEGRATION_API_ERROR with the provider's status)"),
        504: integrationError("The integration's API did not answer within PORTICO_PROXY_TIMEOUT_MS (INTEGRATION_API_TIMEOUT)"),
      },
    });
    const routeOptions = { method: METHODS, bodyLimit: ctx.config.proxyMaxRequestBytes, exposeHeadRoute: false } as const;
    const TypeParams = Type.Intersect([ProjectParams, Type.Object({ integrationType: Type.String({ maxLength: 128, description: 'Integration type (salesforce, custom.acme) or id' }) })]);
    const PathParams = Type.Intersect([TypeParams, Type.Object({ '*': Type.String({ description: "Path under the integration's API base URL, or a full URL on its origin" }) })]);

    app.route({
      ...routeOptions,
      url: '/proxy/:integrationType',
      schema: schema("Call the integration's API at X-Paragon-Proxy-Url with the user's credential", TypeParams),
      handler: handle(false),
    });
    app.route({
      ...routeOptions,
      url: '/proxy/:integrationType/*',
      schema: schema("Call the integration's API with the user's credential: the path is appended to its API base URL", PathParams),
      handler: handle(false),
    });
    app.route({
      ...routeOptions,
      url: '/proxy/custom/:integrationId/*',
      schema: schema('SDK 1.x form for custom integrations: /sdk/proxy/custom/{integrationId}/{path}', Type.Intersect([ProjectParams, Type.Object({ integrationId: Type.String({ maxLength: 128 }), '*': Type.String() })])),
      handler: handle(true),
    });
  };
}
