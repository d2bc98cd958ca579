import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../src/domain/database.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import type { SecretBox } from '../src/platform/crypto/secret-box.ts';
import type { CredentialConfigTable, CredentialTable } from '../src/domain/connections/credentials.table.ts';
import { secretsBinding } from '../src/domain/connections/index.ts';
import type { ConnectedUserTable, UserMetaValueTable } from '../src/domain/users/users.table.ts';
import { indexedMetaValues, searchColumns } from '../src/domain/users/search-keys.ts';
import type { WorkflowStateTable } from '../src/domain/workflows/workflows.table.ts';
import { ProgressBar } from './progress.ts';
import type { BenchProject } from './seed-project.ts';

/** Users written per transaction: large enough to amortize commits, small enough to show progress. */
const USERS_PER_TRANSACTION = 10_000;
/** Bound parameters per statement: SQLite allows 32,766, PostgreSQL 65,535. */
const MAX_PARAMETERS = { sqlite: 32_000, postgres: 65_000 } as const;
const DAY_MS = 86_400_000;

export const populationUserId = (index: number): string => `pop-${index}`;

interface Rows {
  users: ConnectedUserTable[];
  credentials: CredentialTable[];
  configs: CredentialConfigTable[];
  states: WorkflowStateTable[];
  metaValues: UserMetaValueTable[];
}

/**
 * One population user as the service would have stored it: ~150 bytes of metadata, one credential
 * with its default configuration and the integration's default-enabled workflow, last active two days ago.
 */
function addUser(rows: Rows, project: BenchProject, index: number, seal: (credentialId: string) => string, now: number): void {
  const integration = project.integrations[index % project.integrations.length]!;
  const created = new Date(now - 400 * DAY_MS + index * 1000).toISOString();
  const lastActive = new Date(now - 2 * DAY_MS).toISOString();
  const userId = randomUUID();
  const credentialId = randomUUID();
  const configId = randomUUID();
  const values = { Name: `Population User ${index}`, Email: `pop${index}@example.com`, plan: index % 3 === 0 ? 'pro' : 'basic', seats: index % 100 };
  const meta = JSON.stringify(values);
  rows.users.push({
    id: userId, project_id: project.projectId, external_id: populationUserId(index), meta,
    disabled_at: null, created_at: created, updated_at: created, last_active_at: lastActive,
    ...searchColumns(values),
  });
  for (const [key, value] of indexedMetaValues(values)) rows.metaValues.push({ user_id: userId, project_id: project.projectId, key, value, created_at: created });
  rows.credentials.push({
    id: credentialId, project_id: project.projectId, user_id: userId, integration_id: integration.id, status: 'VALID',
    provider_id: `account-${index}`, provider_data: JSON.stringify({ accountName: `Account ${index}` }), secrets: seal(credentialId),
    external_id: null, expires_at: null, refresh_failure_count: 0, refreshed_at: null, status_reason: null, status_changed_at: null, token_issued_at: null,
    created_at: created, updated_at: created,
  });
  rows.configs.push({
    id: configId, credential_id: credentialId, user_id: userId, is_default: 1, external_id: null,
    shared_settings: '{}', config_meta: '{}', created_at: created, updated_at: created,
  });
  const workflowId = project.defaultWorkflowByIntegration.get(integration.id);
  if (workflowId) rows.states.push({ config_id: configId, workflow_id: workflowId, user_id: userId, enabled: 1, settings: '{}', updated_at: created, enabled_at: created });
}

/** The ids of `users` by the value `key` gives. */
function groupBy(users: readonly ConnectedUserTable[], key: (user: ConnectedUserTable) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const user of users) {
    const value = key(user);
    const ids = groups.get(value);
    if (ids) ids.push(user.id);
    else groups.set(value, [user.id]);
  }
  return groups;
}

async function insertChunked<T extends keyof Database>(trx: Transaction<Database>, table: T, rows: readonly object[], maxParameters: number): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const perStatement = Math.floor(maxParameters / Object.keys(first).length);
  for (let start = 0; start < rows.length; start += perStatement) {
    // The row types above are exactly the table types; Kysely's generic insert cannot see that through `T`.
    await trx.insertInto(table).values(rows.slice(start, start + perStatement) as never).execute();
  }
}

/**
 * Moves the seed out of the WAL into the database file. Left in the WAL, the server's first commit
 * would checkpoint a gigabyte of it on its event loop in the middle of a measurement.
 */
async function checkpoint(store: Store): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(truncate)`.execute(store.db);
    if (rows[0]?.busy === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  process.stderr.write('warning: the WAL could not be checkpointed after seeding; the first measurements will pay for it\n');
}

export interface PopulationSeed {
  users: number;
  seconds: number;
  rowsPerSecond: number;
}

/** Bulk-inserts `count` Connected Users straight into the store, in large transactions, with a progress bar. */
export async function seedPopulation(store: Store, secrets: SecretBox, project: BenchProject, count: number): Promise<PopulationSeed> {
  if (store.dialect === 'sqlite') await sql`pragma cache_size = -524288`.execute(store.db);
  const plaintext = JSON.stringify({ accessToken: 'population-access', refreshToken: 'population-refresh' });
  const seal = (credentialId: string) => secrets.seal(plaintext, secretsBinding(credentialId));
  const maxParameters = MAX_PARAMETERS[store.dialect];
  const bar = new ProgressBar(`seeding ${count.toLocaleString('en-US')} users (${store.dialect})`, count);
  const now = Date.now();
  let totalRows = 0;
  for (let start = 0; start < count; start += USERS_PER_TRANSACTION) {
    const end = Math.min(count, start + USERS_PER_TRANSACTION);
    const rows: Rows = { users: [], credentials: [], configs: [], states: [], metaValues: [] };
    for (let index = start; index < end; index++) addUser(rows, project, index, seal, now);
    await store.db.transaction().execute(async (trx) => {
      if (store.dialect === 'postgres') {
        // PostgreSQL keeps activity apart (migration 0063): its trigger gives each user a row, set here.
        await insertChunked(trx, 'connected_users', rows.users.map(({ last_active_at: _, ...user }) => user), maxParameters);
        for (const [at, ids] of groupBy(rows.users, (user) => user.last_active_at)) {
          await trx.updateTable('user_activity').set({ last_active_at: at }).where('user_id', '=', sql<string>`any(${ids}::text[])`).execute();
        }
      } else {
        await insertChunked(trx, 'connected_users', rows.users, maxParameters);
      }
      await insertChunked(trx, 'credentials', rows.credentials, maxParameters);
      await insertChunked(trx, 'credential_configs', rows.configs, maxParameters);
      await insertChunked(trx, 'workflow_states', rows.states, maxParameters);
      await insertChunked(trx, 'user_meta_values', rows.metaValues, maxParameters);
    });
    totalRows += rows.users.length + rows.credentials.length + rows.configs.length + rows.states.length;
    bar.tick(end - start);
  }
  bar.finish();
  // PostgreSQL: VACUUM too, as autovacuum would soon after a bulk load (it sets the visibility map,
  // so index-only scans need no heap fetches); better now than in the middle of a measurement.
  await (store.dialect === 'postgres' ? sql`vacuum analyze` : sql`analyze`).execute(store.db);
  if (store.dialect === 'sqlite') await checkpoint(store);
  const seconds = bar.elapsedSeconds;
  return { users: count, seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(totalRows / seconds) };
}
