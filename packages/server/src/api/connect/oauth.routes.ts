import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../domain/context.ts';
import { forgetOAuthSession, oauthSession, startOAuthFlow } from '../../domain/connections/index.ts';
import { AppError } from '../../platform/errors.ts';
import { ProjectParams, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';

/** The SDK's `Math.random().toString(36).substring(2, 15)`, with room to spare. */
const OAuthMetaKeyId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'The SDK-generated key it polls session-id with' });
const JsonText = (description: string) => Type.String({ maxLength: 8192, description: `${description} (JSON text)` });

/** The query parameters' JSON values; VALIDATION_FAILED names the one that does not parse. */
function parseJsonParam(name: string, text: string | undefined): unknown {
  if (text === undefined || text === '' || text === 'undefined') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw AppError.from('VALIDATION_FAILED', `Invalid request: querystring/${name} must be JSON.`, { errors: [{ in: 'querystring', path: `/${name}`, message: 'must be JSON' }] });
  }
}

/** `GET /v2/projects/{projectId}/sdk/actions/build-oauth`: the start of an OAuth install. */
export function buildOAuthRoute(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/actions/build-oauth', {
      schema: {
        tags: ['Connect'],
        summary: "Start an OAuth install (installIntegration): records the flow and answers the provider's authorization URL for the SDK's popup",
        params: ProjectParams,
        querystring: Type.Object({
          integrationId: Type.String({ minLength: 1, maxLength: 128, description: 'Integration id (or type)' }),
          action: Type.Optional(Type.String({ maxLength: 128, description: 'Integration type, "custom" for custom integrations (informative)' })),
          oauthMetaKeyId: Type.Optional(OAuthMetaKeyId),
          originForPostMessage: Type.Optional(Type.String({ maxLength: 512, description: 'Origin of the page that opened the popup; must be allowed by PORTICO_CORS_ORIGINS' })),
          redirectUrl: Type.Optional(Type.String({ maxLength: 2048, description: "The SDK's overrideRedirectUrl: a redirect URI other than {PORTICO_PUBLIC_URL}/oauth" })),
          installOptions: Type.Optional(JsonText('selectedCredentialId, externalId, allowMultipleCredentials …')),
          endUserSuppliedValues: Type.Optional(JsonText('Values the user entered before OAuth')),
          parameters: Type.Optional(JsonText('Account-type OAuth parameters (unused)')),
          isPreviewMode: Type.Optional(Type.String({ maxLength: 8 })),
          userToken: Type.Optional(Type.String({ maxLength: 8192, description: 'The User Token again (the Authorization header is what counts)' })),
        }),
        response: {
          200: Type.Object({ redirectUrl: Type.String({ description: "The provider's authorization URL, with state and (PKCE) code_challenge" }) }, { description: 'Where the popup goes next' }),
          ...errorResponses,
        },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      const query = request.query;
      return startOAuthFlow(ctx, state, user, {
        integrationRef: query.integrationId,
        oauthMetaKeyId: query.oauthMetaKeyId,
        originForPostMessage: query.originForPostMessage,
        redirectUrl: query.redirectUrl,
        installOptions: parseJsonParam('installOptions', query.installOptions),
        endUserSuppliedValues: parseJsonParam('endUserSuppliedValues', query.endUserSuppliedValues),
      });
    });
  };
}

const SessionParams = Type.Intersect([ProjectParams, Type.Object({ oauthMetaKeyId: OAuthMetaKeyId })]);
const Session = Type.Object(
  { connectCredentialId: Type.Optional(Type.String({ description: 'The credential the OAuth flow made or reconnected; absent until then (and for a declined or failed flow)' })) },
  { description: "The result of the user's OAuth flow" },
);

/** `GET|DELETE /projects/{projectId}/sdk/actions/session-id/{oauthMetaKeyId}`: the SDK's polling for the result. */
export function oauthSessionRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/actions/session-id/:oauthMetaKeyId', {
      schema: {
        tags: ['Connect'],
        summary: "The credential the user's OAuth flow made, once it has (the SDK polls it every second)",
        params: SessionParams,
        response: { 200: Session, ...errorResponses },
      },
    }, async (request) => {
      const { user } = callerOf(request);
      return oauthSession(ctx, user, request.params.oauthMetaKeyId);
    });

    app.delete('/actions/session-id/:oauthMetaKeyId', {
      schema: {
        tags: ['Connect'],
        summary: 'Forget an OAuth session key (the SDK stopped polling)',
        params: SessionParams,
        response: { 200: Type.Object({ forgotten: Type.Integer({ description: 'Flows of the user that carried this key (0 when none)' }) }, { description: 'The key is forgotten' }), ...errorResponses },
      },
    }, async (request) => {
      const { user } = callerOf(request);
      return { forgotten: await forgetOAuthSession(ctx, user, request.params.oauthMetaKeyId) };
    });
  };
}
