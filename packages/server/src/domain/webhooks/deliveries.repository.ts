import type { Insertable, Updateable } from 'kysely';
import type { Db } from '../database.ts';
import { jobsDb } from '../../platform/jobs/index.ts';
import type { WebhookDeliveryTable } from './webhooks.table.ts';

/** Rows per INSERT: well under SQLite's limit of bound variables. */
const INSERT_CHUNK = 500;

/**
 * Inserts the deliveries, skipping any whose (webhook, event) pair already exists (an event the
 * outbox handed over twice); returns the ids inserted.
 */
export async function insertDeliveries(db: Db, rows: ReadonlyArray<Insertable<WebhookDeliveryTable>>): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const inserted = await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(start, start + INSERT_CHUNK))
      .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
      .returning('id')
      .execute();
    ids.push(...inserted.map((row) => row.id));
  }
  return ids;
}

/** A delivery with what sending it needs from its webhook. */
export function findDeliveryToSend(db: Db, id: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select([
      'd.id', 'd.status', 'd.payload', 'd.attempts', 'd.round', 'd.window_started_at',
      'w.id as webhook_id', 'w.url', 'w.secret', 'w.previous_secret', 'w.previous_secret_expires_at',
    ])
    .where('d.id', '=', id)
    .executeTakeFirst();
}

export function findDelivery(db: Db, webhookId: string, id: string) {
  return db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).where('id', '=', id).executeTakeFirst();
}

/** Newest first; `before` is the (created_at, id) of the last row of the previous page. */
export function listDeliveries(db: Db, webhookId: string, limit: number, before?: { createdAt: string; id: string }) {
  let query = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  if (before) {
    query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** Records an attempt's outcome on a delivery still pending in `round`; false if it moved on meanwhile. */
export async function recordAttempt(db: Db, id: string, round: number, changes: Updateable<WebhookDeliveryTable>): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ ...changes, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('round', '=', round)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A settled delivery made pending again in a new round; its row, or undefined if it is still pending. */
export function restartDelivery(db: Db, webhookId: string, id: string, now: string) {
  return db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ status: 'pending', round: eb('round', '+', 1), window_started_at: now, updated_at: now }))
    .where('webhook_id', '=', webhookId)
    .where('id', '=', id)
    .where('status', '!=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** Erasure: the stored payloads about a Connected User. */
export async function deleteUserDeliveries(db: Db, projectId: string, userId: string): Promise<number> {
  const result = await db.deleteFrom('webhook_deliveries').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes up to `limit` settled deliveries last changed before `before`; how many went. */
export async function deleteSettledDeliveries(db: Db, before: string, limit: number): Promise<number> {
  const ids = db.selectFrom('webhook_deliveries').select('id').where('updated_at', '<', before).where('status', '!=', 'pending').limit(limit);
  const result = await db.deleteFrom('webhook_deliveries').where('id', 'in', ids).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** When the jobs with these keys run next (queued or running), by key. */
export async function nextRuns(db: Db, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await jobsDb(db).selectFrom('jobs').select(['key', 'run_at']).where('key', 'in', [...keys]).where('state', 'in', ['queued', 'running']).execute();
  return new Map(rows.map((row) => [row.key!, row.run_at]));
}
