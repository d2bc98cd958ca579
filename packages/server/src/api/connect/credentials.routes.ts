import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../domain/context.ts';
import { ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';
import {
  Credential, CredentialHeaders, IntegrationAccount, UpdatedCredential, UserSettingsBody,
  findCredential, integrationAccount, updateUserSettings, userCredentials, SETTINGS_LIMITS, checkSettings,
} from '../../domain/connections/index.ts';

const CredentialParams = Type.Intersect([ProjectParams, Type.Object({ credentialId: Type.String({ maxLength: 256 }) })]);

export function credentialsConnectRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/credentials', {
      schema: {
        tags: ['Connect'],
        summary: "The user's credentials; with ?integration=TYPE, that integration's account (getIntegrationAccount)",
        params: ProjectParams,
        querystring: Type.Object({
          integration: Type.Optional(Type.String({ maxLength: 128 })),
          includeAccountAuth: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('undefined')])),
        }),
        headers: CredentialHeaders,
        response: {
          200: Type.Union([Type.Array(SchemaRef(Credential), { description: 'Without ?integration: every credential of the user, oldest first' }), IntegrationAccount], {
            description: 'The credentials, or with ?integration the account for that integration',
          }),
          ...errorResponses,
        },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      const { integration, includeAccountAuth } = request.query;
      if (integration === undefined) return userCredentials(ctx.store.db, user);
      return integrationAccount(ctx, state, user, integration, {
        credential: request.headers['x-paragon-credential'],
        includeAccountAuth: includeAccountAuth === 'true',
      });
    });

    app.get('/credentials/:credentialId', {
      schema: {
        tags: ['Connect'],
        summary: 'One credential of the user',
        params: CredentialParams,
        response: { 200: SchemaRef(Credential), ...errorResponses },
      },
    }, async (request) => {
      const { user } = callerOf(request);
      return findCredential(await userCredentials(ctx.store.db, user), request.params.credentialId);
    });

    app.patch('/credentials/:credentialId', {
      bodyLimit: Math.min(ctx.config.bodyLimitBytes, SETTINGS_LIMITS.maxBodyBytes),
      config: { maxJsonEntries: SETTINGS_LIMITS.maxBodyEntries },
      schema: {
        tags: ['Connect'],
        summary: 'Replace user settings of a credential configuration (updateIntegrationUserSettings / updateWorkflowUserSettings)',
        params: CredentialParams,
        headers: CredentialHeaders,
        body: UserSettingsBody,
        response: { 200: UpdatedCredential, ...errorResponses },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      const { sharedSettings, workflowSettings, configuredWorkflows } = request.body.config;
      const patch = { sharedSettings, workflowSettings: workflowSettings ?? configuredWorkflows };
      checkSettings(patch);
      const credential = await updateUserSettings(ctx, state, user, request.params.credentialId, request.headers['x-paragon-configuration-id'], patch);
      return { ...credential, errors: [] };
    });
  };
}
