import type { Db, DialectName } from '../database.ts';
import { parseJsonObject } from '../../platform/json/json.ts';
import type { ProjectState } from '../projects/index.ts';
import type { RawBuilder } from 'kysely';
import { listWorkflowStatesOfUser, listWorkflowStatesOfUsers, parseWorkflowStatesJson, workflowStatesJson } from '../workflows/index.ts';
import type { WorkflowStateTable } from '../workflows/index.ts';
import { credentialsJson, listConfigsOfUser, listConfigsOfUsers, listCredentialsOfUser, listCredentialsOfUsers, type CredentialRow } from './credentials.repository.ts';
import type { Credential, CredentialConfiguration, IntegrationState, WorkflowSettings } from './credential.schema.ts';
import type { CredentialConfigTable } from './credentials.table.ts';

/** A workflow state as the answers read it (`enabled_at` is the permissions re-check's alone). */
type StateRow = Omit<WorkflowStateTable, 'enabled_at'>;

/** Everything a user has connected, loaded in three queries. */
export interface UserConnections {
  credentials: CredentialRow[];
  configs: CredentialConfigTable[];
  states: StateRow[];
}

export async function loadConnections(db: Db, userId: string): Promise<UserConnections> {
  const [credentials, configs, states] = await Promise.all([
    listCredentialsOfUser(db, userId),
    listConfigsOfUser(db, userId),
    listWorkflowStatesOfUser(db, userId),
  ]);
  return { credentials, configs, states };
}

/** A user's connections as three JSON columns of one statement (see {@link connectionsJson}). */
export interface ConnectionsJson {
  credentials: string;
  configs: string;
  states: string;
}

/**
 * What {@link loadConnections} reads, as three JSON columns to add to a query whose column
 * `userIdRef` is the user's row id, so that the user and everything they have connected come back
 * in one statement (`GET /sdk/me` for a user not in the answer cache).
 */
export function connectionsJson(dialect: DialectName, userIdRef: string): { [K in keyof ConnectionsJson]: RawBuilder<string> } {
  return { ...credentialsJson(dialect, userIdRef), states: workflowStatesJson(dialect, userIdRef) };
}

/** The user's credentials from the columns of {@link connectionsJson}, as {@link userCredentials} gives them. */
export function credentialsFromJson(json: ConnectionsJson): Credential[] {
  return toCredentials({
    credentials: JSON.parse(json.credentials) as CredentialRow[],
    configs: JSON.parse(json.configs) as CredentialConfigTable[],
    states: parseWorkflowStatesJson(json.states),
  });
}

/**
 * What several users have connected, in three queries whatever their number (a page of search
 * results), by user id; every user asked for has an entry. Each user's rows come in the same
 * order as {@link loadConnections} gives them.
 */
export async function loadConnectionsOfUsers(db: Db, userIds: readonly string[]): Promise<Map<string, UserConnections>> {
  const [credentials, configs, states] = await Promise.all([
    listCredentialsOfUsers(db, userIds),
    listConfigsOfUsers(db, userIds),
    listWorkflowStatesOfUsers(db, userIds),
  ]);
  const byUser = new Map<string, UserConnections>(userIds.map((id) => [id, { credentials: [], configs: [], states: [] }]));
  for (const row of credentials) byUser.get(row.user_id)?.credentials.push(row);
  for (const row of configs) byUser.get(row.user_id)?.configs.push(row);
  for (const row of states) byUser.get(row.user_id)?.states.push(row);
  return byUser;
}

function toConfiguration(config: CredentialConfigTable, states: readonly StateRow[]): CredentialConfiguration {
  const workflowSettings: WorkflowSettings = {};
  for (const state of states) workflowSettings[state.workflow_id] = { enabled: state.enabled === 1, settings: parseJsonObject(state.settings) };
  const wire: CredentialConfiguration = {
    id: config.id,
    dateCreated: config.created_at,
    dateUpdated: config.updated_at,
    connectCredentialId: config.credential_id,
    workflowSettings,
    sharedSettings: parseJsonObject(config.shared_settings),
    configMeta: parseJsonObject(config.config_meta),
    isDefault: config.is_default === 1,
  };
  if (config.external_id !== null) wire.externalId = config.external_id;
  return wire;
}

/** The user's credentials in the SDK's shape, oldest first; each has its default configuration first. */
export function toCredentials(connections: UserConnections): Credential[] {
  const statesByConfig = new Map<string, StateRow[]>();
  for (const state of connections.states) {
    const list = statesByConfig.get(state.config_id) ?? [];
    list.push(state);
    statesByConfig.set(state.config_id, list);
  }
  const configsByCredential = new Map<string, CredentialConfiguration[]>();
  for (const config of connections.configs) {
    const list = configsByCredential.get(config.credential_id) ?? [];
    const wire = toConfiguration(config, statesByConfig.get(config.id) ?? []);
    if (wire.isDefault) list.unshift(wire);
    else list.push(wire);
    configsByCredential.set(config.credential_id, list);
  }
  return connections.credentials.map((row) => {
    const configurations = configsByCredential.get(row.id) ?? [];
    const defaultConfig = configurations[0];
    const wire: Credential = {
      id: row.id,
      projectId: row.project_id,
      integrationId: row.integration_id,
      personaId: row.user_id,
      config: { configuredWorkflows: defaultConfig?.workflowSettings ?? {}, sharedSettings: defaultConfig?.sharedSettings ?? {} },
      configurations,
      isPreviewCredential: false,
      providerId: row.provider_id,
      providerData: parseJsonObject(row.provider_data),
      status: row.status,
      dateCreated: row.created_at,
      dateUpdated: row.updated_at,
      dateRefreshed: row.refreshed_at,
      dateValidUntil: row.expires_at,
      dateDeleted: null,
      refreshFailureCount: row.refresh_failure_count,
      isRefreshing: false,
      statusReason: row.status_reason,
      dateStatusChanged: row.status_changed_at,
    };
    if (row.external_id !== null) wire.externalId = row.external_id;
    return wire;
  });
}

/** Every project integration keyed by type; the first credential is the default one. */
export function integrationStates(state: ProjectState, credentials: readonly Credential[]): Record<string, IntegrationState> {
  const byIntegration = new Map<string, Credential[]>();
  for (const credential of credentials) {
    const list = byIntegration.get(credential.integrationId) ?? [];
    list.push(credential);
    byIntegration.set(credential.integrationId, list);
  }
  const result: Record<string, IntegrationState> = {};
  for (const integration of state.integrations) {
    const all = byIntegration.get(integration.id) ?? [];
    const first = all[0];
    if (!first) {
      result[integration.type] = { enabled: false, allCredentials: [] };
      continue;
    }
    const config = first.configurations[0];
    const entry: IntegrationState = {
      enabled: first.status === 'VALID',
      credentialId: first.id,
      credentialStatus: first.status,
      providerId: first.providerId,
      providerData: first.providerData,
      credentialConfigId: config?.id,
      configMeta: config?.configMeta ?? {},
      sharedSettings: config?.sharedSettings ?? {},
      workflowSettings: config?.workflowSettings ?? {},
      configuredWorkflows: config?.workflowSettings ?? {},
      allCredentials: all,
    };
    if (config?.externalId !== undefined) entry.externalId = config.externalId;
    result[integration.type] = entry;
  }
  return result;
}
