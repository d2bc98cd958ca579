import { Type, type TSchema } from '@sinclair/typebox';
import { UUID_PATTERN } from '../ids.ts';

/** Paragon's error envelope, the body of every 4xx and 5xx. */
export const ErrorBody = Type.Object(
  {
    message: Type.String(),
    code: Type.String({ description: 'Stable error code; see docs/errors.md' }),
    status: Type.Integer(),
    meta: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { $id: 'ErrorBody' },
);

export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
  413: Type.Ref('ErrorBody'),
} as const;

/** An object whose keys are not known in advance (metadata, settings, provider data). */
export const AnyObject = Type.Object({}, { additionalProperties: true });

export const ProjectParams = Type.Object({ projectId: Type.String({ description: 'Project id (UUID)' }) });

export const Uuid = Type.String({ pattern: UUID_PATTERN });

/** A response object declared by its main fields, passing any other field through unchanged. */
export function Open<T extends Record<string, TSchema>>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
}

export const CredentialHeaders = Type.Object({
  'x-paragon-credential': Type.Optional(Type.String({ maxLength: 256, description: 'Credential id, externalId or ext:<externalId>' })),
  'x-paragon-configuration-id': Type.Optional(Type.String({ maxLength: 256, description: 'Configuration id or ext:<externalId>' })),
});

export const WireCredentialSchema = Open(
  {
    id: Type.String(),
    integrationId: Type.String(),
    personaId: Type.String(),
    status: Type.Union([Type.Literal('VALID'), Type.Literal('INVALID'), Type.Literal('PENDING')]),
    providerId: Type.Union([Type.String(), Type.Null()]),
    providerData: AnyObject,
    configurations: Type.Array(AnyObject),
  },
  'IConnectCredential of the official SDK',
);
