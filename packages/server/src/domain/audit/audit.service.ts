import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination.ts';
import type { AppContext } from '../context.ts';
import { findUser } from '../users/index.ts';
import type { AuditEvent, AuditPage } from './audit.schema.ts';
import { readTimeline, type TimelineQuery } from './audit.repository.ts';

type Deps = AppContext;
type Row = Awaited<ReturnType<typeof readTimeline>>[number];

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** A Connected User's changes, newest first; 404 for a user Portico has never heard of. */
export async function userTimeline(deps: Deps, projectId: string, userId: string, page: PageRequest): Promise<AuditPage> {
  const result = await timeline(deps, { projectId, userId, limit: page.limit }, page.cursor);
  if (result.data.length === 0 && page.cursor === undefined && !(await findUser(deps, projectId, userId))) {
    throw AppError.from('USER_NOT_FOUND', `No Connected User "${userId.slice(0, 80)}" in this project.`);
  }
  return result;
}

/** The project's changes, newest first, optionally of some types and after an instant. */
export function projectTimeline(deps: Deps, projectId: string, filter: { types?: string[] | undefined; after?: string | undefined }, page: PageRequest): Promise<AuditPage> {
  return timeline(deps, { projectId, types: filter.types, after: filter.after === undefined ? undefined : new Date(filter.after).toISOString(), limit: page.limit }, page.cursor);
}

async function timeline(deps: Pick<AppContext, 'store'>, query: TimelineQuery, cursor: string | undefined): Promise<AuditPage> {
  const beforeSequence = cursor === undefined ? undefined : decodeCursor(cursor, ([sequence]) => (Number.isSafeInteger(sequence) && (sequence as number) > 0 ? (sequence as number) : undefined));
  const rows = await readTimeline(deps.store.db, { ...query, beforeSequence, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { data: page.map(toAuditEvent), nextCursor: rows.length > query.limit && last ? encodeCursor([Number(last.sequence)]) : null };
}

function toAuditEvent(row: Row): AuditEvent {
  return {
    id: row.id,
    type: row.type,
    at: row.created_at,
    userId: row.user_id,
    actor: { kind: row.actor_kind as AuditEvent['actor']['kind'], name: row.actor_name },
    changes: changesOf(row.type, JSON.parse(row.data) as Record<string, unknown>),
  };
}

/** Credential states the status events move to, when their data does not say. */
const STATUS_AFTER: Readonly<Record<string, string>> = { 'credential.invalid': 'INVALID', 'credential.recovered': 'VALID' };
const ACTIVE_AFTER: Readonly<Record<string, Record<string, unknown>>> = {
  'user.disabled': { active: false },
  'user.enabled': { active: true },
  'user.erased': { erased: true },
};

/**
 * What an event changed. The outbox holds ids, keys and states only (no metadata values, tokens or
 * secrets: `domain/events.ts`), so its data is shown as recorded, with status transitions as
 * `status: {from, to}` and user state events stating the state they set.
 */
export function changesOf(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const changes: Record<string, unknown> = { ...ACTIVE_AFTER[type], ...data };
  if ('previousStatus' in data) {
    const { previousStatus, status, ...rest } = data;
    return { ...rest, status: { from: previousStatus, to: status ?? STATUS_AFTER[type] ?? null } };
  }
  return changes;
}
