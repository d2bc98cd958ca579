import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AnyObject, OpenObject, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';
import {
  Credential, CredentialHeaders, IntegrationAccount, UpdatedCredential, UserSettingsBody,
  findCredential, integrationAccount, updateUserSettings, userCredentials, SETTINGS_LIMITS, checkSettings, completeSetup, installWithInputs,
} from '../../domain/connections/index.ts';

const CredentialParams = Type.Intersect([ProjectParams, Type.Object({ credentialId: Type.String({ maxLength: 256 }) })]);

/** What the SDK posts to save inputs (`_oauthCallback`): `{ integrationId, config: {}, payload: {...inputs}, installOptions }`. */
const InputsBody = Type.Object({
  integrationId: Type.String({ minLength: 1, maxLength: 128, description: 'Integration id (or type)' }),
  config: Type.Optional(AnyObject),
  payload: Type.Optional(OpenObject("Values of the integration's inputs, by input id")),
  installOptions: Type.Optional(OpenObject("selectedCredentialId (replace that credential's inputs), externalId, allowMultipleCredentials")),
}, { additionalProperties: true });

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

    app.post('/credentials', {
      schema: {
        tags: ['Connect'],
        summary: "Connect an API-key integration with its inputs (installFlow's pre-options); replaces the inputs of the credential installOptions selects",
        params: ProjectParams,
        body: InputsBody,
        response: { 201: SchemaRef(Credential, { description: 'The new credential' }), 200: SchemaRef(Credential, { description: 'The credential whose inputs were replaced' }), ...errorResponses },
      },
    }, async (request, reply) => {
      const { state, user } = callerOf(request);
      const { integrationId, payload, installOptions } = request.body;
      const { credential, created } = await installWithInputs(ctx, state, user, { integrationRef: integrationId, payload, installOptions });
      return reply.status(created ? 201 : 200).send(credential);
    });

    app.post('/credentials/:credentialId/complete-setup', {
      schema: {
        tags: ['Connect'],
        summary: "Give a PENDING credential its post-OAuth inputs (installFlow's post-options); VALID once every required one has a value",
        params: CredentialParams,
        body: InputsBody,
        response: { 200: SchemaRef(Credential, { description: 'The credential' }), ...errorResponses },
      },
    }, async (request) => {
      const { state, user } = callerOf(request);
      return completeSetup(ctx, state, user, request.params.credentialId, request.body.payload);
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
