import { Type, type Static } from '@sinclair/typebox';

export const ErasureReceipt = Type.Object({
  userId: Type.String({ description: "Your id for the erased user (the token's sub)" }),
  erasedAt: Type.String({ format: 'date-time' }),
  deleted: Type.Object({
    credentials: Type.Integer({ minimum: 0 }),
    workflowSettings: Type.Integer({ minimum: 0, description: 'Workflow states (enablement and settings) of the user' }),
    executions: Type.Integer({ minimum: 0 }),
    auditEvents: Type.Integer({ minimum: 0, description: 'Events of the audit timeline (the outbox) about the user' }),
  }),
  revoked: Type.Integer({ minimum: 0, description: 'Credentials whose tokens are being revoked at the provider (best effort, after the answer)' }),
}, { $id: 'ErasureReceipt', description: 'What the erasure deleted' });
export type ErasureReceipt = Static<typeof ErasureReceipt>;
