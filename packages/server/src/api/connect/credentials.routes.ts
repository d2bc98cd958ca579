import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AnyObject, CredentialHeaders, Open, ProjectParams, WireCredentialSchema, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';
import { toSdkIntegration } from '../../domain/integrations/index.ts';
import { findCredential, integrationOf, readSecrets, updateUserSettings, userCredentials } from '../../domain/connections/index.ts';

const CredentialParams = Type.Intersect([ProjectParams, Type.Object({ credentialId: Type.String({ maxLength: 256 }) })]);
const WorkflowSettingsSchema = Type.Record(
  Type.String({ maxLength: 128 }),
  Type.Object({ enabled: Type.Boolean(), settings: Type.Optional(AnyObject) }, { additionalProperties: true }),
);

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
        response: { 200: Type.Union([Type.Array(WireCredentialSchema), AnyObject]), ...errorResponses },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      const credentials = await userCredentials(ctx.store.db, user);
      const { integration: type, includeAccountAuth } = request.query;
      if (type === undefined) return credentials;
      const integration = integrationOf(state, type);
      const ofIntegration = credentials.filter((c) => c.integrationId === integration.id);
      const reference = request.headers['x-paragon-credential'];
      const credential = reference ? findCredential(ofIntegration, reference) : ofIntegration[0];
      const base = toSdkIntegration(state, integration, credential !== undefined);
      if (!credential) return base;
      const account: Record<string, unknown> = {
        ...base,
        credentialId: credential.id,
        credentialStatus: credential.status,
        providerId: credential.providerId,
        providerData: credential.providerData,
      };
      if (includeAccountAuth === 'true') {
        const secrets = await readSecrets(ctx, credential.id);
        account.accountAuth = secrets ? { OAUTH_ACCESS_TOKEN: secrets.accessToken } : {};
      }
      return account;
    });

    app.get('/credentials/:credentialId', {
      schema: {
        tags: ['Connect'],
        summary: 'One credential of the user',
        params: CredentialParams,
        response: { 200: WireCredentialSchema, ...errorResponses },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      return findCredential(await userCredentials(ctx.store.db, user), request.params.credentialId);
    });

    app.patch('/credentials/:credentialId', {
      schema: {
        tags: ['Connect'],
        summary: 'Replace user settings of a credential configuration (updateIntegrationUserSettings / updateWorkflowUserSettings)',
        params: CredentialParams,
        headers: CredentialHeaders,
        body: Type.Object({
          config: Type.Object({
            sharedSettings: Type.Optional(AnyObject),
            workflowSettings: Type.Optional(WorkflowSettingsSchema),
            configuredWorkflows: Type.Optional(WorkflowSettingsSchema),
          }, { additionalProperties: true }),
        }, { additionalProperties: true }),
        response: { 200: Open({ id: Type.String(), errors: Type.Array(Type.String()) }), ...errorResponses },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      const { sharedSettings, workflowSettings, configuredWorkflows } = request.body.config;
      const credential = await updateUserSettings(ctx, state, user, request.params.credentialId, request.headers['x-paragon-configuration-id'], {
        sharedSettings,
        workflowSettings: workflowSettings ?? configuredWorkflows,
      });
      return { ...credential, errors: [] };
    });
  };
}
