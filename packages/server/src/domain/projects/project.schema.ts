import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../../platform/http/schemas.ts';
import { API_KEY_SCOPES } from './api-keys.service.ts';
import { BILLING_PLANS, FEATURES } from './plans.ts';

/** The project as the official SDK reads it (`project` of `GET /sdk/me`, the SDK 1.0.x bootstrap). */
export const SdkProject = Type.Object(
  {
    id: Type.String({ description: 'Project id (UUID)' }),
    billingPlan: StringEnum(BILLING_PLANS, { description: "The SDK's BillingPlan for the project's plan" }),
    accessibleFeatures: Type.Array(StringEnum(FEATURES), { description: 'Add-ons of the plan; the SDK needs headless-cp for headless installs' }),
  },
  { $id: 'SdkProject', description: 'IConnectSDKProject of the official SDK' },
);
export type SdkProject = Static<typeof SdkProject>;

export const SigningKey = Type.Object({
  id: Type.String({ description: 'Signing key id (UUID)' }),
  active: Type.Boolean({ description: 'Whether tokens signed with it are accepted; only the newest key is' }),
  dateCreated: Type.String({ format: 'date-time' }),
  dateRevoked: Nullable(Type.String({ format: 'date-time', description: 'When a newer key replaced it' })),
}, { description: 'A signing key of the project (the public key is never shown back)' });
export type SigningKey = Static<typeof SigningKey>;

export const NewSigningKey = Type.Object({
  id: Type.String({ description: 'Signing key id (UUID)' }),
  privateKeyPem: Type.Optional(Type.String({ description: 'Only when Portico generated the pair: the private key (PKCS#8 PEM), shown once and never stored' })),
}, { description: 'The signing key now in use' });
export type NewSigningKey = Static<typeof NewSigningKey>;

export const CreateApiKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'What the key is for, shown in listings', examples: ['support backend'] }),
  scopes: Type.Array(StringEnum(API_KEY_SCOPES), { minItems: 1, maxItems: API_KEY_SCOPES.length, uniqueItems: true, description: 'What the key may do; `admin` is everything' }),
}, { additionalProperties: false });
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const NewApiKey = Type.Object({
  id: Type.String(),
  key: Type.String({ description: 'The key itself (prt_…), shown once: only its SHA-256 is stored' }),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  keyPrefix: Type.String({ description: 'The first characters of the key, as listings show them' }),
  dateCreated: Type.String({ format: 'date-time' }),
}, { $id: 'NewApiKey', description: 'A new API key' });

export const ApiKeyInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  keyPrefix: Type.String(),
  dateCreated: Type.String({ format: 'date-time' }),
  dateLastUsed: Nullable(Type.String({ format: 'date-time', description: 'When it last authenticated a request, to the minute' })),
  dateExpires: Nullable(Type.String({ format: 'date-time', description: 'Set while a rotated-out admin key still works' })),
}, { $id: 'ApiKeyInfo', description: 'An API key of the project (never the key itself)' });
