import type { AppStore as Store } from '../database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId, nowIso } from '../../platform/ids.ts';
import { parseJsonObject, type JsonObject } from '../../platform/json/json.ts';
import { customType, findProvider, listProviders } from './catalog.ts';
import type { IntegrationTable } from './integrations.table.ts';
import * as repo from './integrations.repository.ts';

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
  dateCreated: string;
  dateUpdated: string;
}

export function toIntegration(row: IntegrationTable): Integration {
  return {
    id: row.id,
    projectId: row.project_id,
    type: row.type,
    name: row.name,
    brandColor: findProvider(row.type)?.brandColor ?? '#4F46E5',
    isActive: row.is_active === 1,
    configId: row.config_id,
    portalConfig: parseJsonObject(row.portal_config),
    dateCreated: row.created_at,
    dateUpdated: row.updated_at,
  };
}

export interface CreateIntegrationInput {
  type: string;
  name?: string | undefined;
  description?: string | undefined;
}

function resolveType(input: CreateIntegrationInput): { type: string; name: string } {
  const builtIn = findProvider(input.type);
  if (builtIn) return { type: builtIn.type, name: input.name ?? builtIn.name };
  if (input.type === 'custom' || input.type.startsWith('custom.')) {
    const type = customType(input.type === 'custom' ? (input.name ?? '') : input.type);
    if (!type) {
      throw AppError.from('INTEGRATION_TYPE_UNKNOWN', 'A custom integration needs a slug of lowercase letters, digits and dashes: send {"type": "custom.my-app"} or {"type": "custom", "name": "My App"}.');
    }
    return { type, name: input.name ?? type.slice('custom.'.length) };
  }
  const builtInTypes = listProviders().map((p) => p.type);
  throw AppError.from('INTEGRATION_TYPE_UNKNOWN', `Unknown integration type "${input.type}". Use a built-in type (${builtInTypes.join(', ')}) or "custom.<slug>".`, {
    builtInTypes,
  });
}

export async function createIntegration(store: Store, projectId: string, input: CreateIntegrationInput): Promise<Integration> {
  const { type, name } = resolveType(input);
  if (await repo.findIntegrationByType(store.db, projectId, type)) {
    throw AppError.from('INTEGRATION_ALREADY_EXISTS', `This project already has a "${type}" integration.`);
  }
  const now = nowIso();
  const row: IntegrationTable = {
    id: newId(),
    project_id: projectId,
    type,
    name,
    config_id: newId(),
    portal_config: JSON.stringify(input.description ? { description: input.description } : {}),
    is_active: 1,
    created_at: now,
    updated_at: now,
  };
  try {
    await repo.insertIntegration(store.db, row);
  } catch (error) {
    // A concurrent create of the same type lost the race on the unique constraint.
    if (await repo.findIntegrationByType(store.db, projectId, type)) {
      throw AppError.from('INTEGRATION_ALREADY_EXISTS', `This project already has a "${type}" integration.`);
    }
    throw error;
  }
  return toIntegration(row);
}

export async function listIntegrations(store: Store, projectId: string): Promise<Integration[]> {
  return (await repo.listIntegrations(store.db, projectId)).map(toIntegration);
}
