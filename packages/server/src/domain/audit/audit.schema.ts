import { Type, type Static } from '@sinclair/typebox';
import { Nullable, OpenObject, StringEnum } from '../../platform/http/schemas.ts';

/** One change as the audit timeline shows it. */
export const AuditEvent = Type.Object(
  {
    id: Type.String({ description: 'Event id (UUID); a webhook delivery of it names it as eventId' }),
    type: Type.String({ description: 'Event type, e.g. user.metadata.updated' }),
    at: Type.String({ format: 'date-time', description: 'When the change was made' }),
    userId: Nullable(Type.String(), { description: 'The Connected User the change is about (your id for them); null for project changes' }),
    actor: Type.Object(
      {
        kind: StringEnum(['user', 'api_key', 'staff', 'system'] as const),
        name: Type.String({ description: "The user's id, the API key's id, the staff email, or the Portico component" }),
      },
      { description: 'Who made the change' },
    ),
    changes: OpenObject('What changed: ids, keys and states, never values of metadata or secrets (docs/api.md lists them per type)'),
  },
  { $id: 'AuditEvent', description: 'A change recorded in the audit timeline' },
);
export type AuditEvent = Static<typeof AuditEvent>;

export interface AuditPage {
  data: AuditEvent[];
  nextCursor: string | null;
}
