import type { Updateable } from 'kysely';
import type { Db } from '../database.ts';
import type { WebhookTable } from './webhooks.table.ts';

export function insertWebhook(db: Db, row: WebhookTable) {
  return db.insertInto('webhooks').values(row).execute();
}

export function listWebhooks(db: Db, projectId: string) {
  return db.selectFrom('webhooks').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
}

export async function countWebhooks(db: Db, projectId: string): Promise<number> {
  const row = await db.selectFrom('webhooks').select((eb) => eb.fn.countAll().as('n')).where('project_id', '=', projectId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export function findWebhook(db: Db, projectId: string, id: string) {
  return db.selectFrom('webhooks').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export function findWebhookById(db: Db, id: string) {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The changed row, or undefined when the project has no such webhook. */
export function updateWebhook(db: Db, projectId: string, id: string, changes: Updateable<WebhookTable>) {
  return db.updateTable('webhooks').set(changes).where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteWebhook(db: Db, projectId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhooks').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The enabled webhooks of these projects, with what the fan-out needs. */
export function subscribersOf(db: Db, projectIds: readonly string[]) {
  return db
    .selectFrom('webhooks')
    .select(['id', 'project_id', 'events', 'created_at'])
    .where('project_id', 'in', [...projectIds])
    .where('enabled', '=', 1)
    .execute();
}

/** Webhooks after `afterId` in id order, with their sealed secrets (for `portico secrets reseal`). */
export function pageOfSecrets(db: Db, afterId: string, limit: number) {
  return db.selectFrom('webhooks').select(['id', 'secret', 'previous_secret']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** Replaces a sealed secret only if it is still `expected` (a rotation meanwhile wins); 1 if replaced. */
export async function replaceSecret(db: Db, id: string, field: 'secret' | 'previous_secret', expected: string, sealed: string): Promise<number> {
  const result = await db.updateTable('webhooks').set({ [field]: sealed }).where('id', '=', id).where(field, '=', expected).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
