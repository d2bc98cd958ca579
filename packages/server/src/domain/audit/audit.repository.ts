import type { Kysely } from 'kysely';
import type { EventTables } from '../../platform/events/index.ts';
import type { Db } from '../database.ts';

export interface TimelineQuery {
  projectId: string;
  /** Only events about this Connected User (external id). */
  userId?: string | undefined;
  types?: readonly string[] | undefined;
  /** Only events made after this instant (ISO). */
  after?: string | undefined;
  /** Only events older than this outbox sequence (the cursor). */
  beforeSequence?: number | undefined;
  limit: number;
}

/** The outbox as the timeline reads it (a platform table, seen through its own types). */
function outbox(db: Db): Kysely<EventTables> {
  return db.withTables<EventTables>() as unknown as Kysely<EventTables>;
}

/** Newest first, by outbox sequence: the order the changes took their place in the outbox. */
export function readTimeline(db: Db, query: TimelineQuery) {
  let select = outbox(db)
    .selectFrom('events')
    .select(['sequence', 'id', 'type', 'user_id', 'actor_kind', 'actor_name', 'data', 'created_at'])
    .where('project_id', '=', query.projectId);
  if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
  if (query.types && query.types.length > 0) select = select.where('type', 'in', [...query.types]);
  if (query.after !== undefined) select = select.where('created_at', '>', query.after);
  if (query.beforeSequence !== undefined) select = select.where('sequence', '<', query.beforeSequence);
  return select.orderBy('sequence', 'desc').limit(query.limit).execute();
}

/**
 * Erasure: the user's events leave the timeline (and the outbox). Durable consumers that have not
 * read them yet skip the missing sequences as they skip any gap.
 */
export async function deleteUserEvents(db: Db, projectId: string, userId: string): Promise<number> {
  const result = await outbox(db).deleteFrom('events').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Erasure: ids of the user's events, read before they are deleted (jobs keyed by them go too). */
export async function userEventIds(db: Db, projectId: string, userId: string): Promise<string[]> {
  const rows = await outbox(db).selectFrom('events').select('id').where('project_id', '=', projectId).where('user_id', '=', userId).execute();
  return rows.map((row) => row.id);
}
