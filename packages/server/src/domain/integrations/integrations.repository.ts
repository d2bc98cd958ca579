import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from '../database.ts';
import type { IntegrationTable } from './integrations.table.ts';

/** Every column but the sealed client secret, plus whether there is one. */
const PUBLIC_COLUMNS = ['id', 'project_id', 'type', 'name', 'config_id', 'portal_config', 'is_active', 'auth_config', 'created_at', 'updated_at'] as const;
const hasSecret = sql<number>`case when client_secret is null then 0 else 1 end`.as('has_client_secret');

export type IntegrationRow = Omit<Selectable<IntegrationTable>, 'client_secret'> & { has_client_secret: number };

export function insertIntegration(db: Db, row: Insertable<IntegrationTable>) {
  return db.insertInto('integrations').values(row).execute();
}

export function listIntegrations(db: Db, projectId: string): Promise<IntegrationRow[]> {
  return db.selectFrom('integrations').select([...PUBLIC_COLUMNS, hasSecret]).where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
}

export function findIntegrationByType(db: Db, projectId: string, type: string): Promise<IntegrationRow | undefined> {
  return db.selectFrom('integrations').select([...PUBLIC_COLUMNS, hasSecret]).where('project_id', '=', projectId).where('type', '=', type).executeTakeFirst();
}

export function findIntegration(db: Db, projectId: string, id: string): Promise<IntegrationRow | undefined> {
  return db.selectFrom('integrations').select([...PUBLIC_COLUMNS, hasSecret]).where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export function listCustomIntegrations(db: Db, projectId: string): Promise<IntegrationRow[]> {
  return db.selectFrom('integrations').select([...PUBLIC_COLUMNS, hasSecret]).where('project_id', '=', projectId).where('type', 'like', 'custom.%').execute();
}

export interface IntegrationChange {
  name?: string;
  is_active?: number;
  auth_config?: string;
  client_secret?: string | null;
  portal_config?: string;
  updated_at: string;
}

export function updateIntegration(db: Db, id: string, change: IntegrationChange) {
  return db.updateTable('integrations').set(change).where('id', '=', id).execute();
}

export function findClientSecret(db: Db, id: string) {
  return db.selectFrom('integrations').select('client_secret').where('id', '=', id).executeTakeFirst();
}

export function newestClientSecret(db: Db) {
  return db.selectFrom('integrations').select(['id', 'client_secret']).where('client_secret', 'is not', null)
    .orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** A page of sealed client secrets in id order, after `afterId`. */
export function pageOfClientSecrets(db: Db, afterId: string, limit: number) {
  return db.selectFrom('integrations').select(['id', 'client_secret']).where('client_secret', 'is not', null)
    .where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** Replaces a sealed client secret unless it changed since it was read; the number of rows updated. */
export async function replaceClientSecret(db: Db, id: string, expected: string, sealed: string): Promise<number> {
  const result = await db.updateTable('integrations').set({ client_secret: sealed }).where('id', '=', id).where('client_secret', '=', expected).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
