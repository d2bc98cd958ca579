import type { Kysely } from 'kysely';
import type { ApiKeyTable, ProjectTable, SigningKeyTable } from '../modules/projects/projects.table.ts';
import type { ConnectedUserTable } from '../modules/users/users.table.ts';
import type { IntegrationTable } from '../modules/integrations/integrations.table.ts';
import type { WorkflowStateTable, WorkflowTable } from '../modules/workflows/workflows.table.ts';
import type { CredentialConfigTable, CredentialTable } from '../modules/credentials/credentials.table.ts';

export interface Database {
  projects: ProjectTable;
  signing_keys: SigningKeyTable;
  api_keys: ApiKeyTable;
  connected_users: ConnectedUserTable;
  integrations: IntegrationTable;
  workflows: WorkflowTable;
  workflow_states: WorkflowStateTable;
  credentials: CredentialTable;
  credential_configs: CredentialConfigTable;
}

export type Db = Kysely<Database>;
export type DialectName = 'sqlite' | 'postgres';
