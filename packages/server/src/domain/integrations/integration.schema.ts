import { Type, type Static } from '@sinclair/typebox';

/** An integration as the Admin API shows it. */
export const ProjectIntegration = Type.Object(
  {
    id: Type.String({ description: 'Integration id (UUID)' }),
    type: Type.String({ description: 'Built-in type (salesforce, …) or custom.<slug>' }),
    name: Type.String(),
    isActive: Type.Boolean(),
    brandColor: Type.String(),
    portalConfig: Type.Object(
      { description: Type.Optional(Type.String({ description: 'Text shown in the Connect Portal' })) },
      { additionalProperties: true, description: 'Connect Portal configuration set by the project' },
    ),
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
    projectId: Type.String(),
  },
  { $id: 'ProjectIntegration', description: 'An integration of the project' },
);
export type ProjectIntegration = Static<typeof ProjectIntegration>;
