/** The audit room's facade: the timeline of changes, read from the outbox. */
export { AuditEvent } from './audit.schema.ts';
export type { AuditPage } from './audit.schema.ts';
export { projectTimeline, userTimeline } from './audit.service.ts';
export type { PageRequest } from './audit.service.ts';
export { deleteUserEvents, userEventIds } from './audit.repository.ts';
