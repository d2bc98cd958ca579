import type { AppStore as Store } from '../database.ts';
import type { ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import { lockForUpdate } from '../../platform/db/store.ts';
import { AppError } from '../../platform/errors.ts';
import { newId, nowIso } from '../../platform/ids.ts';
import { parseJsonObject, type JsonObject } from '../../platform/json/json.ts';
import { applyAuthChange, type AuthConfigChange, type IntegrationAuthConfig } from './auth-config.ts';
import { canonicalType, customType, findProvider, listProviders } from './catalog.ts';
import { sealClientSecret } from './client-secrets.ts';
import { schemeOf } from './connection-method.ts';
import * as repo from './integrations.repository.ts';
import type { IntegrationRow } from './integrations.repository.ts';
import type { PortalSettings } from './integration.schema.ts';

export interface Integration {
  id: string;
  projectId: string;
  type: string;
  name: string;
  brandColor: string;
  isActive: boolean;
  /** Id of the portal configuration, `configs[0].id` on the Connect API. */
  configId: string;
  portalConfig: JsonObject;
  /** How users connect it, as the project configured it (never a secret). */
  config: IntegrationAuthConfig;
  /** Whether an OAuth client secret is stored (sealed; read it with `readClientSecret`). */
  hasClientSecret: boolean;
  /** How users connect it: OAuth 2.0 or an API key. */
  scheme: 'oauth2' | 'api_key';
  dateCreated: string;
  dateUpdated: string;
}

export function toIntegration(row: IntegrationRow): Integration {
  const config = parseJsonObject(row.auth_config) as IntegrationAuthConfig;
  return {
    id: row.id,
    projectId: row.project_id,
    type: row.type,
    name: row.name,
    brandColor: findProvider(row.type)?.brandColor ?? '#4F46E5',
    isActive: row.is_active === 1,
    configId: row.config_id,
    portalConfig: parseJsonObject(row.portal_config),
    config,
    hasClientSecret: Number(row.has_client_secret) === 1,
    scheme: schemeOf({ type: row.type, config }),
    dateCreated: row.created_at,
    dateUpdated: row.updated_at,
  };
}

/** The services changing an integration needs; `secrets` only when a client secret is set. */
export type IntegrationDeps = ChangeDeps & { secrets?: SecretBox };

export interface CreateIntegrationInput extends AuthConfigChange {
  type: string;
  name?: string | undefined;
  description?: string | undefined;
  /** The Connect Portal's accent colour, title, description and User Settings. */
  portal?: PortalSettings | undefined;
}

export interface UpdateIntegrationInput extends AuthConfigChange {
  name?: string | undefined;
  /** Text shown in the Connect Portal; null removes it. */
  description?: string | null | undefined;
  isActive?: boolean | undefined;
  /** The Connect Portal's accent colour, title, description and User Settings; a null removes one. */
  portal?: PortalSettings | undefined;
}

function resolveType(input: CreateIntegrationInput): { type: string; name: string } {
  const builtIn = findProvider(input.type);
  if (builtIn) return { type: builtIn.type, name: input.name ?? builtIn.name };
  if (input.type === 'custom' || input.type.startsWith('custom.')) {
    const type = customType(input.type === 'custom' ? (input.name ?? '') : input.type);
    if (!type) {
      throw AppError.from('INTEGRATION_TYPE_UNKNOWN', 'A custom integration needs a slug of 1 to 63 letters or digits (everything else is dropped): send {"type": "custom.myapp"} or {"type": "custom", "name": "My App"}.');
    }
    return { type, name: input.name ?? type.slice('custom.'.length) };
  }
  const builtInTypes = listProviders().map((p) => p.type);
  throw AppError.from('INTEGRATION_TYPE_UNKNOWN', `Unknown integration type "${input.type}". Use a built-in type (${builtInTypes.join(', ')}) or "custom.<slug>".`, {
    builtInTypes,
  });
}

/** An integration of the project whose type is `type` under the slug rule (so also one stored before it). */
async function findSameType(store: Store, projectId: string, type: string): Promise<IntegrationRow | undefined> {
  const exact = await repo.findIntegrationByType(store.db, projectId, type);
  if (exact || !type.startsWith('custom.')) return exact;
  return (await repo.listCustomIntegrations(store.db, projectId)).find((row) => canonicalType(row.type) === type);
}

function secretBox(deps: IntegrationDeps): SecretBox {
  if (!deps.secrets) throw new Error('Setting an OAuth client secret needs the secret box (pass the AppContext)');
  return deps.secrets;
}

export async function createIntegration(deps: IntegrationDeps, projectId: string, input: CreateIntegrationInput, actor: Actor): Promise<Integration> {
  const { store, events } = deps;
  const { type, name } = resolveType(input);
  const config = applyAuthChange(type.startsWith('custom.'), {}, input, findProvider(type)?.auth.scheme);
  const existing = await findSameType(store, projectId, type);
  if (existing) {
    throw AppError.from('INTEGRATION_ALREADY_EXISTS', `This project already has a "${existing.type}" integration.`, { id: existing.id, type: existing.type });
  }
  const portal: JsonObject = input.description ? { description: input.description } : {};
  applyPortalSettings(portal, input.portal);
  const now = nowIso();
  const id = newId();
  const row = {
    id,
    project_id: projectId,
    type,
    name,
    config_id: newId(),
    portal_config: JSON.stringify(portal),
    is_active: 1,
    auth_config: JSON.stringify(config),
    created_at: now,
    updated_at: now,
  };
  try {
    await events.transaction(async (trx) => {
      const clientSecret = input.clientSecret ? await sealClientSecret(trx, secretBox(deps), id, input.clientSecret) : null;
      await repo.insertIntegration(trx, { ...row, client_secret: clientSecret });
      await events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'integrations' } });
    });
  } catch (error) {
    // A concurrent create of the same type lost the race on the unique constraint.
    if (await repo.findIntegrationByType(store.db, projectId, type)) {
      throw AppError.from('INTEGRATION_ALREADY_EXISTS', `This project already has a "${type}" integration.`);
    }
    throw error;
  }
  return toIntegration({ ...row, has_client_secret: input.clientSecret ? 1 : 0 });
}

/**
 * Changes an integration's name, portal text, activity or connection configuration (a value sets a
 * field, `null` removes it). Read and written under a row lock, so concurrent changes of different
 * fields all land; every node reloads the project on the `project.changed` event.
 */
export async function updateIntegration(deps: IntegrationDeps, projectId: string, integrationId: string, input: UpdateIntegrationInput, actor: Actor): Promise<Integration> {
  const { store, events } = deps;
  return events.transaction(async (trx) => {
    const query = trx.selectFrom('integrations').selectAll().where('project_id', '=', projectId).where('id', '=', integrationId);
    const current = await lockForUpdate(store.dialect, query).executeTakeFirst();
    if (!current) throw AppError.from('INTEGRATION_NOT_FOUND', `Integration ${integrationId} was deleted while this request ran.`);
    const isCustom = current.type.startsWith('custom.');
    const config = applyAuthChange(isCustom, parseJsonObject(current.auth_config) as IntegrationAuthConfig, input, findProvider(current.type)?.auth.scheme);
    if (config.auth?.scheme === 'api_key' && current.client_secret !== null && input.clientSecret !== null) {
      throw AppError.from('VALIDATION_FAILED', 'Invalid integration configuration: body/clientSecret is stored, but an API-key integration has no OAuth client; send "clientSecret": null to remove it.', {
        errors: [{ in: 'body', path: '/clientSecret', message: 'is stored, but an API-key integration has no OAuth client; send null to remove it' }],
      });
    }
    const portal = parseJsonObject(current.portal_config);
    if (input.description === null) delete portal.description;
    else if (input.description !== undefined) portal.description = input.description;
    applyPortalSettings(portal, input.portal);
    const change: repo.IntegrationChange = {
      name: input.name ?? current.name,
      is_active: input.isActive === undefined ? current.is_active : input.isActive ? 1 : 0,
      portal_config: JSON.stringify(portal),
      auth_config: JSON.stringify(config),
      updated_at: nowIso(),
    };
    if (input.clientSecret === null) change.client_secret = null;
    else if (input.clientSecret !== undefined) change.client_secret = await sealClientSecret(trx, secretBox(deps), integrationId, input.clientSecret);
    await repo.updateIntegration(trx, integrationId, change);
    await events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'integrations' } });
    const updated = await repo.findIntegration(trx, projectId, integrationId);
    if (!updated) throw new Error(`Integration ${integrationId} vanished inside its own update`);
    return toIntegration(updated);
  });
}

export async function listIntegrations(store: Store, projectId: string): Promise<Integration[]> {
  return (await repo.listIntegrations(store.db, projectId)).map(toIntegration);
}

/** Writes the portal fields a PATCH gives into the stored portal configuration (null removes one). */
function applyPortalSettings(portal: JsonObject, change: PortalSettings | undefined): void {
  if (!change) return;
  const selectWithoutOptions = (change.userSettings ?? []).findIndex((input) => (input.type === 'select' || input.type === 'multiselect') && !input.options);
  if (selectWithoutOptions >= 0) {
    throw AppError.from('VALIDATION_FAILED', `Invalid integration configuration: body/portal/userSettings/${selectWithoutOptions} is a ${change.userSettings![selectWithoutOptions]!.type} without options; give it "options": ["…"].`, {
      errors: [{ in: 'body', path: `/portal/userSettings/${selectWithoutOptions}/options`, message: 'is required for select and multiselect' }],
    });
  }
  const ids = (change.userSettings ?? []).map((input) => input.id);
  const twice = ids.findIndex((id, index) => ids.indexOf(id) !== index);
  if (twice >= 0) {
    throw AppError.from('VALIDATION_FAILED', `Invalid integration configuration: body/portal/userSettings/${twice}/id "${ids[twice]}" is used twice; give each setting its own id.`, {
      errors: [{ in: 'body', path: `/portal/userSettings/${twice}/id`, message: 'is used twice' }],
    });
  }
  for (const key of ['accentColor', 'title', 'description', 'userSettings'] as const) {
    const value = change[key];
    if (value === null) delete portal[key];
    else if (value !== undefined) portal[key] = value as JsonObject[keyof JsonObject];
  }
}
