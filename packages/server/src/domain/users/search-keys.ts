import { isPlainObject, type JsonObject } from '../../platform/json/json.ts';

/** Metadata values longer than this are not indexed for `meta.KEY=VALUE` search. */
export const MAX_INDEXED_META_VALUE = 256;

/**
 * How text is compared in search: Unicode NFKC, then lower case, so `ÉLODIE@EXÄMPLE.COM`,
 * `élodie@exämple.com` and the decomposed `e\u0301lodie@…` are one address. Done in JavaScript,
 * not SQL: both stores' `lower()` depend on the database's locale (only ASCII under `C`).
 */
export function searchText(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

/** The searchable name and email of a user's metadata (`Name`, `Email`), normalized. */
export function searchColumns(meta: JsonObject): { search_name: string | null; search_email: string | null } {
  const name = meta.Name;
  const email = meta.Email;
  return {
    search_name: typeof name === 'string' && name.trim() !== '' ? searchText(name.trim()).slice(0, 512) : null,
    search_email: typeof email === 'string' && email.trim() !== '' ? searchText(email.trim()).slice(0, 512) : null,
  };
}

/**
 * The top-level metadata values `meta.KEY=VALUE` can find: strings as they are, numbers and
 * booleans as their JSON text (`5`, `true`), at most {@link MAX_INDEXED_META_VALUE} characters.
 * Objects, arrays and null are not indexed.
 */
export function indexedMetaValues(meta: unknown): Map<string, string> {
  const values = new Map<string, string>();
  if (!isPlainObject(meta)) return values;
  for (const [key, value] of Object.entries(meta)) {
    let text: string | undefined;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'boolean') text = JSON.stringify(value);
    if (text !== undefined && text.length <= MAX_INDEXED_META_VALUE && key.length <= MAX_INDEXED_META_VALUE) values.set(key, text);
  }
  return values;
}
