import { Type, type Static } from '@sinclair/typebox';
import { Nullable, OpenObject, SchemaRef } from '../../platform/http/schemas.ts';
import { SdkIntegration } from '../integrations/index.ts';
import { CredentialStatus } from './credential.schema.ts';

/** `GET /sdk/credentials?integration=TYPE` (the SDK's getIntegrationAccount): the integration plus the selected account. */
export const IntegrationAccount = Type.Intersect(
  [
    SchemaRef(SdkIntegration),
    Type.Object({
      credentialId: Type.Optional(Type.String({ description: 'The selected credential (X-Paragon-Credential, else the oldest); absent when nothing is connected' })),
      credentialStatus: Type.Optional(SchemaRef(CredentialStatus)),
      providerId: Type.Optional(Nullable(Type.String({ description: "The account's id at the provider" }))),
      providerData: Type.Optional(OpenObject('Non-secret account details from the provider')),
      accountAuth: Type.Optional(Type.Object(
        { OAUTH_ACCESS_TOKEN: Type.Optional(Type.String({ description: 'The current access token' })) },
        { description: 'Only with includeAccountAuth=true: the secrets the app may use; {} when none are stored' },
      )),
    }),
  ],
  { description: "An integration with the user's account for it" },
);
export type IntegrationAccount = Static<typeof IntegrationAccount>;
