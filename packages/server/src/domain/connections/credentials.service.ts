import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database, Db } from '../database.ts';
import { AppError } from '../../platform/errors.ts';
import { isUuid, newId, nowIso } from '../../platform/ids.ts';
import type { JsonObject } from '../../platform/json/json.ts';
import { canonicalType, toSdkIntegration, type Integration } from '../integrations/index.ts';
import type { ProjectState } from '../projects/index.ts';
import { userActor, type Actor } from '../events.ts';
import type { ConnectedUser } from '../users/index.ts';
import { deleteWorkflowStatesOfConfig, upsertWorkflowState } from '../workflows/index.ts';
import { loadConnections, loadConnectionsOfUsers, toCredentials } from './credential-view.ts';
import type { Credential, CredentialStatus, SettingsPatch, UninstalledIntegration } from './credential.schema.ts';
import type { IntegrationAccount } from './integration-account.schema.ts';
import * as repo from './credentials.repository.ts';
import { usableSecrets } from './credential-access.ts';
import { scheduleRevocation } from './credential-revocation.ts';
import { scheduleRenewal } from './renewal-schedule.ts';
import { sealCredentialSecrets, secretsBinding } from './secrets-at-rest.ts';

/** What a credential keeps sealed (`credentials.secrets`). */
export interface CredentialSecrets {
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
  tokenType?: string | undefined;
  /** The scopes the provider granted. */
  scope?: string | undefined;
  idToken?: string | undefined;
  /** Other fields of the token answer (instance_url, team …). */
  extra?: JsonObject | undefined;
  /** Values of the integration's inputs: an API key, post-OAuth inputs. */
  inputs?: Record<string, string> | undefined;
}

export interface NewCredential {
  integration: Integration;
  secrets: CredentialSecrets;
  status?: CredentialStatus;
  providerId?: string | undefined;
  providerData?: JsonObject | undefined;
  expiresAt?: string | undefined;
  /** When the access token was issued (its lifetime decides when it is renewed). @default now */
  issuedAt?: string | undefined;
  externalId?: string | undefined;
}

/**
 * Stores a credential with its default configuration; workflows marked `defaultEnabled` are
 * enabled at once, as on a fresh install.
 */
export async function createCredential(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  input: NewCredential,
  actor: Actor = userActor(user.userId),
): Promise<Credential> {
  const credentialId = await ctx.events.transaction((trx) => insertCredential(trx, ctx, state, user, input, actor));
  return readBack(ctx.store.db, user, credentialId);
}

/**
 * `createCredential` for a user the caller finds or creates inside the same transaction
 * (`ensureUser`, the users room's `ensureUserIn`), so a refused import writes nothing.
 */
export async function importCredential(
  ctx: AppContext,
  state: ProjectState,
  ensureUser: (trx: Transaction<Database>) => Promise<ConnectedUser>,
  input: NewCredential,
  actor: Actor,
): Promise<Credential> {
  const { user, credentialId } = await ctx.events.transaction(async (trx) => {
    const user = await ensureUser(trx);
    return { user, credentialId: await insertCredential(trx, ctx, state, user, input, actor) };
  });
  return readBack(ctx.store.db, user, credentialId);
}

/** Stores a credential (and its default configuration, `defaultEnabled` workflows on) inside the caller's transaction; its id. */
export async function insertCredential(trx: Transaction<Database>, ctx: AppContext, state: ProjectState, user: ConnectedUser, input: NewCredential, actor: Actor): Promise<string> {
  const now = nowIso();
  const credentialId = newId();
  const configId = newId();
  await repo.insertCredential(trx, {
    id: credentialId,
    project_id: state.project.id,
    user_id: user.id,
    integration_id: input.integration.id,
    status: input.status ?? 'VALID',
    provider_id: input.providerId ?? null,
    provider_data: JSON.stringify(input.providerData ?? {}),
    secrets: await sealCredentialSecrets(trx, ctx.secrets, credentialId, JSON.stringify(input.secrets)),
    external_id: input.externalId ?? null,
    expires_at: input.expiresAt ?? null,
    refresh_failure_count: 0,
    refreshed_at: null,
    token_issued_at: input.expiresAt ? (input.issuedAt ?? now) : null,
    created_at: now,
    updated_at: now,
  });
  await scheduleRenewal(trx, ctx, credentialId, input.issuedAt ?? now, input.expiresAt ?? null);
  await repo.insertConfig(trx, {
    id: configId, credential_id: credentialId, user_id: user.id, is_default: 1, external_id: null,
    shared_settings: '{}', config_meta: '{}', created_at: now, updated_at: now,
  });
  for (const workflow of state.workflowsByIntegration.get(input.integration.id) ?? []) {
    if (!workflow.defaultEnabled) continue;
    await upsertWorkflowState(trx, { config_id: configId, workflow_id: workflow.id, user_id: user.id, enabled: 1, settings: '{}', updated_at: now });
  }
  await ctx.events.emit(trx, 'integration.installed', {
    projectId: state.project.id,
    userId: user.userId,
    actor,
    data: { integrationId: input.integration.id, integrationType: input.integration.type, credentialId },
  });
  return credentialId;
}

export async function readBack(db: Db, user: ConnectedUser, credentialId: string): Promise<Credential> {
  const created = (await userCredentials(db, user)).find((c) => c.id === credentialId);
  if (!created) throw new Error(`Credential ${credentialId} vanished right after it was created`);
  return created;
}

export async function userCredentials(db: Db, user: ConnectedUser): Promise<Credential[]> {
  return toCredentials(await loadConnections(db, user.id));
}

/** The credentials of several users (by their row id), as {@link userCredentials} gives each, in three queries. */
export async function credentialsOfUsers(db: Db, userIds: readonly string[]): Promise<Map<string, Credential[]>> {
  const connections = await loadConnectionsOfUsers(db, userIds);
  return new Map([...connections].map(([id, ofUser]) => [id, toCredentials(ofUser)]));
}

/** Matches a credential by UUID, `ext:<externalId>` or plain externalId, as the SDK allows. */
function matchesReference(credential: Credential, reference: string): boolean {
  if (isUuid(reference)) return credential.id === reference.toLowerCase();
  const externalId = reference.startsWith('ext:') ? reference.slice(4).trim() : reference.trim();
  return credential.externalId === externalId;
}

export function findCredential(credentials: readonly Credential[], reference: string): Credential {
  const found = credentials.find((c) => matchesReference(c, reference));
  if (!found) throw AppError.from('CREDENTIAL_NOT_FOUND', `No credential "${reference.slice(0, 80)}" for this user.`);
  return found;
}

/** The credential a request acts on: the one named by `X-Paragon-Credential`, else the oldest. */
export function selectCredential(credentials: readonly Credential[], integration: Integration, reference: string | undefined): Credential {
  const ofIntegration = credentials.filter((c) => c.integrationId === integration.id);
  if (reference) {
    const found = findCredential(ofIntegration, reference);
    return found;
  }
  const first = ofIntegration[0];
  if (!first) throw AppError.from('INTEGRATION_NOT_INSTALLED', `The user has not connected ${integration.name}.`, { integrationId: integration.id, integrationType: integration.type });
  return first;
}

export function selectConfiguration(credential: Credential, reference: string | undefined) {
  if (!reference) {
    const first = credential.configurations[0];
    if (!first) throw AppError.from('CONFIGURATION_NOT_FOUND', 'This credential has no configuration.');
    return first;
  }
  const externalId = reference.startsWith('ext:') ? reference.slice(4).trim() : reference.trim();
  const found = credential.configurations.find((c) => c.id === reference.toLowerCase() || c.externalId === externalId);
  if (!found) throw AppError.from('CONFIGURATION_NOT_FOUND', `No configuration "${reference.slice(0, 80)}" on credential ${credential.id}.`);
  return found;
}

export function integrationOf(state: ProjectState, reference: string): Integration {
  const integration = isUuid(reference)
    ? state.integrationsById.get(reference.toLowerCase())
    : (state.integrationsByType.get(reference) ?? state.integrationsByType.get(canonicalType(reference)));
  if (!integration) throw AppError.from('INTEGRATION_NOT_FOUND', `No integration "${reference.slice(0, 80)}" in this project.`);
  return integration;
}

/** Deletes the user's credentials of an integration (or just the one named), with their settings and workflow states. */
export async function uninstallIntegration(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  integrationRef: string,
  credentialRef: string | undefined,
  actor: Actor = userActor(user.userId),
): Promise<UninstalledIntegration> {
  const integration = integrationOf(state, integrationRef);
  const credentials = (await userCredentials(ctx.store.db, user)).filter((c) => c.integrationId === integration.id);
  const doomed = credentialRef ? [findCredential(credentials, credentialRef)] : credentials;
  if (doomed.length === 0) {
    throw AppError.from('INTEGRATION_NOT_INSTALLED', `The user has not connected ${integration.name}.`, { integrationId: integration.id, integrationType: integration.type });
  }
  const ids = doomed.map((c) => c.id);
  await ctx.events.transaction(async (trx) => {
    // The provider is told after the commit, by a job: revoking never holds up or fails the delete.
    for (const credential of doomed) {
      const sealed = await repo.findSecrets(trx, credential.id);
      if (!sealed) continue;
      let secrets: CredentialSecrets;
      try {
        secrets = JSON.parse(ctx.secrets.open(sealed.secrets, secretsBinding(credential.id))) as CredentialSecrets;
      } catch {
        continue; // unreadable with the configured keys: nothing to revoke with, and the delete goes on
      }
      await scheduleRevocation(trx, ctx, integration, { id: credential.id, projectId: state.project.id, secrets, providerData: credential.providerData });
    }
    await repo.deleteCredentials(trx, user.id, ids);
    await ctx.events.emit(trx, 'integration.uninstalled', {
      projectId: state.project.id,
      userId: user.userId,
      actor,
      data: { integrationId: integration.id, integrationType: integration.type, credentialIds: ids },
    });
  });
  return { integrationId: integration.id, integrationType: integration.type, deletedCredentialIds: ids };
}

/** `PATCH /sdk/credentials/{id}`: replaces the configuration's shared settings and/or workflow settings. */
export async function updateUserSettings(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  credentialRef: string,
  configurationRef: string | undefined,
  patch: SettingsPatch,
  actor: Actor = userActor(user.userId),
): Promise<Credential> {
  const credential = findCredential(await userCredentials(ctx.store.db, user), credentialRef);
  const configuration = selectConfiguration(credential, configurationRef);
  const workflowSettings = patch.workflowSettings;
  if (workflowSettings) {
    for (const [workflowId, value] of Object.entries(workflowSettings)) {
      const workflow = state.workflowsById.get(workflowId);
      if (!workflow) throw AppError.from('VALIDATION_FAILED', `workflowSettings names "${workflowId.slice(0, 80)}", which is not a workflow of this project.`);
      if (workflow.integrationId !== credential.integrationId) {
        throw AppError.from('WORKFLOW_INTEGRATION_MISMATCH', `Workflow ${workflowId} belongs to another integration than credential ${credential.id}.`);
      }
      if (value.enabled && !configuration.workflowSettings[workflowId]?.enabled && credential.status !== 'VALID') {
        throw AppError.from('CREDENTIAL_NOT_VALID', `Cannot enable workflow ${workflowId}: credential ${credential.id} is ${credential.status}.`);
      }
    }
  }
  const now = nowIso();
  await ctx.events.transaction(async (trx) => {
    if (!(await repo.lockCredentialConfig(trx, ctx.store.dialect, credential.id, configuration.id))) {
      throw AppError.from('CREDENTIAL_NOT_FOUND', `Credential ${credential.id} was disconnected while this request ran.`);
    }
    if (patch.sharedSettings) await repo.updateSharedSettings(trx, configuration.id, JSON.stringify(patch.sharedSettings), now);
    if (workflowSettings) {
      // Upserted, not deleted and made again: a workflow whose `enabled` stays keeps its `enabled_at`.
      await deleteWorkflowStatesOfConfig(trx, configuration.id, Object.keys(workflowSettings));
      for (const [workflowId, value] of Object.entries(workflowSettings)) {
        await upsertWorkflowState(trx, {
          config_id: configuration.id, workflow_id: workflowId, user_id: user.id,
          enabled: value.enabled ? 1 : 0, settings: JSON.stringify(value.settings ?? {}), updated_at: now,
        });
      }
    }
    await repo.touchCredential(trx, credential.id, now);
    await ctx.events.emit(trx, 'credential.settings.updated', {
      projectId: state.project.id,
      userId: user.userId,
      actor,
      data: { credentialId: credential.id, configurationId: configuration.id, shared: patch.sharedSettings !== undefined, workflows: workflowSettings !== undefined },
    });
  });
  return findCredential(await userCredentials(ctx.store.db, user), credential.id);
}

/**
 * The SDK's getIntegrationAccount: an integration with the user's credential for it (the one named,
 * else the oldest), and its access token when asked.
 */
export async function integrationAccount(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  integrationRef: string,
  options: { credential?: string | undefined; includeAccountAuth: boolean },
): Promise<IntegrationAccount> {
  const integration = integrationOf(state, integrationRef);
  const ofIntegration = (await userCredentials(ctx.store.db, user)).filter((c) => c.integrationId === integration.id);
  const credential = options.credential ? findCredential(ofIntegration, options.credential) : ofIntegration[0];
  const base = toSdkIntegration(state, integration, credential !== undefined);
  if (!credential) return base;
  const account: IntegrationAccount = {
    ...base,
    credentialId: credential.id,
    credentialStatus: credential.status,
    providerId: credential.providerId,
    providerData: credential.providerData,
  };
  if (options.includeAccountAuth) {
    const secrets = credential.status === 'VALID' ? await freshOrStoredSecrets(ctx, credential.id) : await readSecrets(ctx, credential.id);
    account.accountAuth = secrets?.accessToken ? { OAUTH_ACCESS_TOKEN: secrets.accessToken } : {};
  }
  return account;
}

/**
 * The access token to hand out, renewed first when it is due. A renewal that fails leaves the stored
 * token: this route answers the account's state, and a 401 here would log the SDK user out.
 */
async function freshOrStoredSecrets(ctx: AppContext, credentialId: string): Promise<CredentialSecrets | undefined> {
  try {
    return await usableSecrets(ctx, credentialId);
  } catch (error) {
    if (error instanceof AppError) return readSecrets(ctx, credentialId);
    throw error;
  }
}

/** Decrypted tokens of a credential, for the code that calls the provider. */
export async function readSecrets(ctx: AppContext, credentialId: string): Promise<CredentialSecrets | undefined> {
  const row = await repo.findSecrets(ctx.store.db, credentialId);
  return row ? (JSON.parse(ctx.secrets.open(row.secrets, secretsBinding(credentialId))) as CredentialSecrets) : undefined;
}
