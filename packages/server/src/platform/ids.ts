import { randomUUID } from 'node:crypto';

/** UUIDv4: the official SDK only treats v1–v5 UUIDs as ids (anything else is an externalId). */
export const newId = (): string => randomUUID();

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const UUID_RE = new RegExp(UUID_PATTERN);
export const isUuid = (value: string): boolean => UUID_RE.test(value);

export const nowIso = (): string => new Date().toISOString();
