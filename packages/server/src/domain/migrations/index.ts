import type { AnyStore } from '../../platform/db/store.ts';
import { migrateToLatest as migrate, type MigrationList, type MigrationReport } from '../../platform/db/migrator.ts';
import { jobsMigration } from '../../platform/jobs/jobs.migration.ts';
import { eventsMigration } from '../../platform/events/events.migration.ts';
import { eventsSequenceOrderMigration } from '../../platform/events/events-sequence-order.migration.ts';
import { rateLimitMigration } from '../../platform/ratelimit/index.ts';
import { initialSchema } from './0001-initial.ts';
import { keyLifecycle } from '../projects/migrations/0004-key-lifecycle.ts';
import { encryptionKeys } from '../secrets/migrations/0005-encryption-keys.ts';
import { integrationAuth } from '../integrations/migrations/0010-integration-auth.ts';
import { oauthFlows } from '../connections/migrations/0011-oauth-flows.ts';
import { credentialHealth } from '../connections/migrations/0012-credential-health.ts';
import { apiKeyUsage } from '../projects/migrations/0030-api-key-usage.ts';
import { userSearch } from '../users/migrations/0031-user-search.ts';
import { userMetaSorted } from '../users/migrations/0060-user-meta-sorted.ts';
import { userSearchText } from '../users/migrations/0061-user-search-text.ts';
import { userSearchTextTable } from '../users/migrations/0062-user-search-text-table.ts';
import { userActivity } from '../users/migrations/0063-user-activity.ts';
import { webhooks } from '../webhooks/migrations/0020-webhooks.ts';
import { auditTimeline } from '../audit/migrations/0021-audit-timeline.ts';
import { workflowRuns } from '../workflows/migrations/0040-workflow-runs.ts';
import { workflowEnabledAt } from '../workflows/migrations/0041-workflow-enabled-at.ts';
import { userErasures } from '../erasure/migrations/0050-user-erasures.ts';
import { secretMetaKeys } from '../projects/migrations/0051-secret-meta-keys.ts';
import { userSecretMeta } from '../users/migrations/0052-secret-meta.ts';
import { staffAccounts } from '../staff/migrations/0070-staff.ts';

/** Every migration, by the name it is recorded under; each file belongs to the room (or platform part) whose tables it makes. */
export const MIGRATIONS: MigrationList = {
  '0001_initial': initialSchema,
  '0002_jobs': jobsMigration,
  '0003_events': eventsMigration,
  '0004_key_lifecycle': keyLifecycle,
  '0005_encryption_keys': encryptionKeys,
  '0006_events_sequence_order': eventsSequenceOrderMigration,
  '0010_integration_auth': integrationAuth,
  '0011_oauth_flows': oauthFlows,
  '0012_credential_health': credentialHealth,
  '0020_webhooks': webhooks,
  '0021_audit_timeline': auditTimeline,
  '0030_api_key_usage': apiKeyUsage,
  '0031_user_search': userSearch,
  '0040_workflow_runs': workflowRuns,
  '0041_workflow_enabled_at': workflowEnabledAt,
  '0050_user_erasures': userErasures,
  '0051_secret_meta_keys': secretMetaKeys,
  '0052_user_secret_meta': userSecretMeta,
  '0053_rate_limits': rateLimitMigration,
  '0060_user_meta_sorted': userMetaSorted,
  '0061_user_search_text': userSearchText,
  '0062_user_search_text_table': userSearchTextTable,
  '0063_user_activity': userActivity,
  '0070_staff': staffAccounts,
};

/** Brings the schema of `store` up to date. */
export function migrateToLatest(store: AnyStore): Promise<MigrationReport> {
  return migrate(store, MIGRATIONS);
}
