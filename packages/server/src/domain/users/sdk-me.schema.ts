import { Type, type Static } from '@sinclair/typebox';
import { OpenObject, SchemaRef } from '../../platform/http/schemas.ts';
import { CredentialStatus, IntegrationStates } from '../connections/index.ts';
import { SdkProject } from '../projects/index.ts';

export const UserMeta = OpenObject('User metadata set by the app (Name and Email are shown in dashboards); any JSON object');

export const SdkResource = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  credentialId: Type.Optional(Type.String()),
  credentialStatus: Type.Optional(SchemaRef(CredentialStatus)),
  integrationId: Type.Optional(Type.String()),
}, { description: 'An API Resource and its connection' });

/** The body of `GET /sdk/me`: what the official SDK's authenticate() reads. */
export const SdkMe = Type.Object(
  {
    authenticated: Type.Literal(true),
    userId: Type.String({ description: "The token's sub" }),
    meta: UserMeta,
    resources: Type.Array(SdkResource, { description: 'API Resources; none yet, so always []' }),
    project: SchemaRef(SdkProject),
    integrations: IntegrationStates,
  },
  { description: "The user's integrations, credentials, settings and metadata" },
);
export type SdkMe = Static<typeof SdkMe>;

export const UserMetadata = Type.Object({
  userId: Type.String({ description: "The token's sub" }),
  meta: UserMeta,
}, { description: "The user's metadata after the merge" });
export type UserMetadata = Static<typeof UserMetadata>;
