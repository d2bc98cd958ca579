import type { Db } from '../database.ts';
import type { IntegrationTable } from './integrations.table.ts';

export function insertIntegration(db: Db, row: IntegrationTable) {
  return db.insertInto('integrations').values(row).execute();
}

export function listIntegrations(db: Db, projectId: string) {
  return db.selectFrom('integrations').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
}

export function findIntegrationByType(db: Db, projectId: string, type: string) {
  return db.selectFrom('integrations').selectAll().where('project_id', '=', projectId).where('type', '=', type).executeTakeFirst();
}

export function listCustomIntegrations(db: Db, projectId: string) {
  return db.selectFrom('integrations').selectAll().where('project_id', '=', projectId).where('type', 'like', 'custom.%').execute();
}
