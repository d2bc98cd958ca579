import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../database.ts';
import { AppError } from '../../platform/errors.ts';
import { nowIso } from '../../platform/ids.ts';
import { isPlainObject, parseJsonObject, type JsonObject } from '../../platform/json/json.ts';
import { connectionMethod, type AccountLookup, type ConnectInput, type Integration } from '../integrations/index.ts';
import type { ProjectState } from '../projects/index.ts';
import { userActor, type Actor } from '../events.ts';
import type { ConnectedUser } from '../users/index.ts';
import { checkInputs, inputsComplete, publicInputValues } from './connect-inputs.ts';
import { AccountLookupError, identifyAccount, type AccountIdentity } from './oauth/account.ts';
import type { Credential, CredentialStatus } from './credential.schema.ts';
import * as repo from './credentials.repository.ts';
import {
  findCredential, insertCredential, integrationOf, readBack, userCredentials, type CredentialSecrets,
} from './credentials.service.ts';
import { transitionCredential } from './credential-health.ts';
import { scheduleRenewal } from './renewal-schedule.ts';
import { sealCredentialSecrets, secretsBinding } from './secrets-at-rest.ts';

/** The SDK's `installOptions` that decide which credential an install makes or replaces. */
export interface InstallOptions {
  /** Reconnect this credential (UUID, externalId or ext:<externalId>). */
  selectedCredentialId?: string | undefined;
  /** The app's id for the account: reconnects the credential that has it, else makes one with it. */
  externalId?: string | undefined;
  /** Make another credential instead of reconnecting the user's existing one. */
  allowMultipleCredentials?: boolean | undefined;
}

const shortString = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' && value.length <= 256 ? value : undefined);

export function parseInstallOptions(raw: unknown): InstallOptions {
  if (!isPlainObject(raw)) return {};
  return {
    selectedCredentialId: shortString(raw.selectedCredentialId),
    externalId: shortString(raw.externalId),
    allowMultipleCredentials: raw.allowMultipleCredentials === true,
  };
}

/** What an install does: replace `credentialId` in place, or make a credential (with `externalId`). */
export interface InstallTarget {
  credentialId?: string | undefined;
  externalId?: string | undefined;
}

/**
 * The credential an install replaces, from the user's credentials of the integration: the one named
 * by selectedCredentialId (CREDENTIAL_NOT_FOUND otherwise); else the one with the externalId; else,
 * unless allowMultipleCredentials, the user's existing one (a reconnect of a single-account
 * integration, which is how the SDK reconnects an INVALID credential). Otherwise a new credential.
 */
export function installTarget(ofIntegration: readonly Credential[], options: InstallOptions): InstallTarget {
  if (options.selectedCredentialId) return { credentialId: findCredential(ofIntegration, options.selectedCredentialId).id };
  if (options.externalId) {
    const externalId = options.externalId.startsWith('ext:') ? options.externalId.slice(4).trim() : options.externalId.trim();
    const existing = ofIntegration.find((c) => c.externalId === externalId);
    return existing ? { credentialId: existing.id } : { externalId };
  }
  if (!options.allowMultipleCredentials && ofIntegration[0]) return { credentialId: ofIntegration[0].id };
  return {};
}

/** A connected account to store: tokens or input values, and who the account is. */
export interface ConnectedAccount {
  secrets: CredentialSecrets;
  providerId: string | null;
  providerData: JsonObject;
  expiresAt?: string | undefined;
  /** When the access token was issued. @default now */
  issuedAt?: string | undefined;
  /** The inputs the credential carries (post-OAuth or API-key): the credential is PENDING until the required ones have values. */
  inputs: readonly ConnectInput[];
}

export interface StoredConnection {
  credentialId: string;
  /** True when an existing credential was replaced in place. */
  reconnected: boolean;
  status: CredentialStatus;
}

/**
 * Stores a connected account inside the caller's transaction: in place of the target credential
 * (same id, configurations, settings and workflow states; `credential.reconnected`), or as a new
 * credential (`integration.installed`, `defaultEnabled` workflows on). Input values already stored
 * on a reconnected credential are kept unless new ones are given.
 */
export async function storeConnection(
  trx: Transaction<Database>,
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  integration: Integration,
  target: InstallTarget,
  account: ConnectedAccount,
  actor: Actor,
): Promise<StoredConnection> {
  const existing = target.credentialId
    ? await repo.findCredentialForUpdate(trx, ctx.store.dialect, user.id, integration.id, target.credentialId)
    : undefined;
  if (!existing) {
    const status: CredentialStatus = inputsComplete(account.inputs, account.secrets.inputs) ? 'VALID' : 'PENDING';
    const credentialId = await insertCredential(trx, ctx, state, user, {
      integration,
      secrets: account.secrets,
      status,
      providerId: account.providerId ?? undefined,
      providerData: { ...publicInputValues(account.inputs, account.secrets.inputs ?? {}), ...account.providerData },
      expiresAt: account.expiresAt,
      issuedAt: account.issuedAt,
      externalId: target.externalId,
    }, actor);
    return { credentialId, reconnected: false, status };
  }
  const previous = JSON.parse(ctx.secrets.open(existing.secrets, secretsBinding(existing.id))) as CredentialSecrets;
  const inputs = { ...previous.inputs, ...account.secrets.inputs };
  const secrets: CredentialSecrets = { ...account.secrets, ...(Object.keys(inputs).length > 0 ? { inputs } : {}) };
  const status: CredentialStatus = inputsComplete(account.inputs, inputs) ? 'VALID' : 'PENDING';
  const now = nowIso();
  await repo.replaceAccount(trx, existing.id, {
    secrets: await sealCredentialSecrets(trx, ctx.secrets, existing.id, JSON.stringify(secrets)),
    provider_id: account.providerId,
    provider_data: JSON.stringify({ ...publicInputValues(account.inputs, inputs), ...account.providerData }),
    expires_at: account.expiresAt ?? null,
    refreshed_at: now,
    token_issued_at: account.expiresAt ? (account.issuedAt ?? now) : null,
    refresh_failure_count: 0,
    updated_at: now,
  });
  await transitionCredential(trx, ctx, {
    credentialId: existing.id, projectId: state.project.id, userSub: user.userId,
    integrationId: integration.id, integrationType: integration.type, from: existing.status,
  }, { to: status, reason: `The user reconnected the ${integration.name} account.`, at: now, actor });
  await scheduleRenewal(trx, ctx, existing.id, account.issuedAt ?? now, account.expiresAt ?? null);
  await ctx.events.emit(trx, 'credential.reconnected', {
    projectId: state.project.id,
    userId: user.userId,
    actor,
    data: { integrationId: integration.id, integrationType: integration.type, credentialId: existing.id, previousStatus: existing.status, status },
  });
  return { credentialId: existing.id, reconnected: true, status };
}

function activeIntegration(state: ProjectState, reference: string): Integration {
  const integration = integrationOf(state, reference);
  if (!integration.isActive) throw AppError.from('INTEGRATION_INACTIVE', `${integration.name} is not active in this project.`, { integrationType: integration.type });
  return integration;
}

/** The integration an OAuth install is for, refused unless it is active and connects through OAuth. */
export function oauthIntegration(state: ProjectState, reference: string) {
  const integration = activeIntegration(state, reference);
  const method = connectionMethod(integration);
  if (method.scheme !== 'oauth2') {
    throw AppError.from('INTEGRATION_SCHEME_MISMATCH', `${integration.name} connects with an API key, not OAuth: send its inputs with POST /sdk/credentials.`, { integrationType: integration.type, scheme: method.scheme });
  }
  return { integration, oauth: method.oauth };
}

/**
 * `POST /sdk/credentials` for an API-key integration: the payload's inputs, checked against the
 * integration's, make a credential, or replace the inputs of the one `installOptions` selects.
 */
export async function installWithInputs(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  request: { integrationRef: string; payload: unknown; installOptions: unknown },
  actor: Actor = userActor(user.userId),
): Promise<{ credential: Credential; created: boolean }> {
  const integration = activeIntegration(state, request.integrationRef);
  const method = connectionMethod(integration);
  if (method.scheme !== 'api_key') {
    throw AppError.from('INTEGRATION_SCHEME_MISMATCH', `${integration.name} connects through OAuth: start it with installIntegration (the SDK's popup), not with POST /sdk/credentials.`, {
      integrationType: integration.type, scheme: method.scheme,
    });
  }
  const values = checkInputs(method.inputs, request.payload);
  const ofIntegration = (await userCredentials(ctx.store.db, user)).filter((c) => c.integrationId === integration.id);
  const target = installTarget(ofIntegration, parseInstallOptions(request.installOptions));
  // A built-in provider's account call checks the key and says whose it is; a custom one shows its text inputs.
  const identity = method.account ? await checkedAccount(ctx, integration, method.account, values) : { providerId: null, providerData: {} };
  const stored = await ctx.events.transaction((trx) => storeConnection(trx, ctx, state, user, integration, target, {
    secrets: { inputs: values }, providerId: identity.providerId, providerData: identity.providerData, inputs: method.account ? [] : method.inputs,
  }, actor));
  return { credential: await readBack(ctx.store.db, user, stored.credentialId), created: !stored.reconnected };
}

/** The account behind API-key inputs; a key the provider refuses is the user's mistake (400), anything else the provider's (502). */
async function checkedAccount(ctx: AppContext, integration: Integration, lookup: AccountLookup, values: Record<string, string>): Promise<AccountIdentity> {
  try {
    return await identifyAccount(ctx.outbound, lookup, { inputs: values });
  } catch (error) {
    if (!(error instanceof AccountLookupError)) throw error;
    if (error.status === 401 || error.status === 403) {
      throw AppError.from('CREDENTIAL_INPUT_INVALID', `${integration.name} refused these inputs (HTTP ${error.status}): check the key and its permissions.`, {
        errors: [{ in: 'body', path: '/payload', message: `refused by ${integration.name} (HTTP ${error.status})` }],
      });
    }
    throw AppError.from('ACCOUNT_LOOKUP_FAILED', `${error.message} Nothing was connected.`, error.status === undefined ? {} : { status: error.status });
  }
}

/**
 * `POST /sdk/credentials/{id}/complete-setup`: the post-OAuth inputs of a PENDING credential; it is
 * VALID once every required one has a value.
 */
export async function completeSetup(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  credentialRef: string,
  payload: unknown,
  actor: Actor = userActor(user.userId),
): Promise<Credential> {
  const credential = findCredential(await userCredentials(ctx.store.db, user), credentialRef);
  if (credential.status !== 'PENDING') {
    throw AppError.from('CREDENTIAL_NOT_PENDING', `Credential ${credential.id} is ${credential.status}; only a PENDING credential completes its setup.`, { status: credential.status });
  }
  const integration = state.integrationsById.get(credential.integrationId);
  if (!integration) throw AppError.from('INTEGRATION_NOT_FOUND');
  const method = connectionMethod(integration);
  const inputs = method.scheme === 'oauth2' ? method.oauth.postOAuthInputs : method.inputs;
  const values = checkInputs(inputs, payload);
  await ctx.events.transaction(async (trx) => {
    const row = await repo.findCredentialForUpdate(trx, ctx.store.dialect, user.id, integration.id, credential.id);
    if (!row) throw AppError.from('CREDENTIAL_NOT_FOUND', `Credential ${credential.id} was disconnected while this request ran.`);
    if (row.status !== 'PENDING') throw AppError.from('CREDENTIAL_NOT_PENDING', `Credential ${credential.id} is ${row.status}.`, { status: row.status });
    const secrets = JSON.parse(ctx.secrets.open(row.secrets, secretsBinding(row.id))) as CredentialSecrets;
    const merged = { ...secrets.inputs, ...values };
    const status: CredentialStatus = inputsComplete(inputs, merged) ? 'VALID' : 'PENDING';
    const now = nowIso();
    await trx.updateTable('credentials').set({
      status,
      secrets: await sealCredentialSecrets(trx, ctx.secrets, row.id, JSON.stringify({ ...secrets, inputs: merged })),
      provider_data: JSON.stringify({ ...parseJsonObject(row.provider_data), ...publicInputValues(inputs, merged) }),
      updated_at: now,
    }).where('id', '=', row.id).execute();
    await ctx.events.emit(trx, 'credential.setup.completed', {
      projectId: state.project.id,
      userId: user.userId,
      actor,
      data: { integrationId: integration.id, integrationType: integration.type, credentialId: row.id, status },
    });
  });
  return readBack(ctx.store.db, user, credential.id);
}
