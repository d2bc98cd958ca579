import type { Kysely } from 'kysely';
import { openStore, type Store, type StoreOptions } from '../platform/db/store.ts';
import type { ApiKeyTable, ProjectTable, SigningKeyTable } from './projects/projects.table.ts';
import type { ConnectedUserTable, UserActivityTable, UserMetaValueTable } from './users/users.table.ts';
import type { IntegrationTable } from './integrations/integrations.table.ts';
import type { WorkflowExecutionTable, WorkflowStateTable, WorkflowStepExecutionTable, WorkflowTable } from './workflows/workflows.table.ts';
import type { CredentialConfigTable, CredentialTable } from './connections/credentials.table.ts';
import type { EncryptionKeyTable } from './secrets/encryption-keys.table.ts';
import type { OAuthFlowTable } from './connections/oauth/oauth-flows.table.ts';
import type { WebhookDeliveryTable, WebhookTable } from './webhooks/index.ts';
import type { StaffAccountTable, StaffSessionTable } from './staff/index.ts';
import type { UserErasureTable } from './erasure/index.ts';

export interface Database {
  projects: ProjectTable;
  signing_keys: SigningKeyTable;
  api_keys: ApiKeyTable;
  connected_users: ConnectedUserTable;
  user_activity: UserActivityTable;
  user_meta_values: UserMetaValueTable;
  integrations: IntegrationTable;
  workflows: WorkflowTable;
  workflow_states: WorkflowStateTable;
  workflow_executions: WorkflowExecutionTable;
  workflow_step_executions: WorkflowStepExecutionTable;
  credentials: CredentialTable;
  credential_configs: CredentialConfigTable;
  encryption_keys: EncryptionKeyTable;
  oauth_flows: OAuthFlowTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  staff_accounts: StaffAccountTable;
  staff_sessions: StaffSessionTable;
  user_erasures: UserErasureTable;
}

export type Db = Kysely<Database>;
export type { DialectName } from '../platform/db/store.ts';

/** The store as the domain sees it. */
export type AppStore = Store<Database>;

/** Opens the store typed with the domain's tables. */
export function openAppStore(options: StoreOptions): AppStore {
  return openStore<Database>(options);
}
