import { AppError } from '../../platform/errors.ts';
import { findJsonProblem } from '../../platform/json/json-guard.ts';
import { isPlainObject, type JsonObject } from '../../platform/json/json.ts';

/** Documented limits of user metadata (docs/api.md). */
export const METADATA_LIMITS = {
  maxBytes: 64 * 1024,
  maxDepth: 8,
  maxKeyLength: 256,
  /** Body of a metadata PATCH: room for a full patch plus deletions and whitespace, refused unread beyond. */
  maxBodyBytes: 128 * 1024,
  /** Keys and array items in one metadata PATCH body, counted before it is parsed. */
  maxBodyEntries: 1_000,
} as const;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Top-level keys trimmed, and `name`/`email` in any casing stored as `Name`/`Email`, exactly as
 * the official SDK normalizes before sending (older SDKs do not, so the server does it too).
 */
export function normalizeMetaKeys(meta: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [rawKey, value] of Object.entries(meta)) {
    const key = rawKey.trim();
    const lower = key.toLowerCase();
    const normalized = lower === 'name' ? 'Name' : lower === 'email' ? 'Email' : key;
    if (Object.hasOwn(out, normalized)) {
      // Which one would win depends on key order: refuse rather than guess.
      throw AppError.from('METADATA_KEY_DUPLICATE', `Two keys of the patch both become "${normalized.slice(0, 64)}"; send only one.`, { key: normalized.slice(0, 64) });
    }
    if (value !== null && ((normalized === 'Name' && typeof value !== 'string') || (normalized === 'Email' && !isPlausibleEmail(value)))) {
      throw AppError.from(
        'METADATA_VALUE_INVALID',
        normalized === 'Name' ? 'Metadata "Name" must be a string (or null to delete it).' : 'Metadata "Email" must be a string holding an email address such as "ada@example.com" (or null to delete it).',
        { key: normalized },
      );
    }
    // Plain assignment is several times cheaper; only "__proto__" needs defining (checkPatch refuses it anyway).
    if (normalized === '__proto__') Object.defineProperty(out, normalized, { value, enumerable: true, writable: true, configurable: true });
    else out[normalized] = value;
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const EMAIL = /^[^\s@\u0000-\u001f\u007f]+@[^\s@\u0000-\u001f\u007f.]+(?:\.[^\s@\u0000-\u001f\u007f.]+)+$/;

/** local@domain.tld, at most 254 characters: enough to catch a misplaced value, not an RFC 5322 parser. */
function isPlausibleEmail(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 254 && EMAIL.test(value);
}

/** Rejects patches whose keys or nesting break the documented limits, before anything is merged. */
export function checkPatch(patch: JsonObject): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: patch, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > METADATA_LIMITS.maxDepth) {
      throw AppError.from('METADATA_TOO_DEEP', `User metadata may nest objects and arrays at most ${METADATA_LIMITS.maxDepth} levels deep.`);
    }
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    if (!isPlainObject(value)) continue;
    for (const [key, child] of Object.entries(value)) {
      const trimmed = key.trim();
      if (FORBIDDEN_KEYS.has(trimmed)) throw AppError.from('METADATA_KEY_FORBIDDEN', `Metadata key "${trimmed}" is not allowed.`, { key: trimmed });
      if (trimmed.length === 0 || trimmed.length > METADATA_LIMITS.maxKeyLength) {
        throw AppError.from('METADATA_KEY_INVALID', `Metadata keys must be 1 to ${METADATA_LIMITS.maxKeyLength} characters after trimming; "${trimmed.slice(0, 32)}…" is ${trimmed.length}.`, {
          keyPrefix: trimmed.slice(0, 32),
        });
      }
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  // The X-Paragon-User-Metadata header reaches here without the body's input guard.
  const problem = findJsonProblem(patch, Number.MAX_SAFE_INTEGER);
  if (problem?.kind === 'number') throw AppError.from('NUMBER_NOT_FINITE', `User metadata holds a number too large for a double (it overflows to Infinity) at ${problem.path}.`, { path: problem.path });
  if (problem) throw AppError.from('INVALID_CHARACTERS', `User metadata holds a NUL character or an unpaired surrogate at ${problem.path}.`, { path: problem.path });
}

/** RFC 7396 JSON Merge Patch: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      const merged = mergePatch(result[key], value);
      if (key === '__proto__') Object.defineProperty(result, key, { value: merged, enumerable: true, writable: true, configurable: true });
      else result[key] = merged;
    }
  }
  return result;
}

/** Merges a patch into stored metadata and returns the serialized result, enforcing the size limit. */
export function applyMetaPatch(stored: JsonObject, patch: JsonObject): { meta: JsonObject; serialized: string } {
  checkPatch(patch);
  const meta = mergePatch(stored, normalizeMetaKeys(patch)) as JsonObject;
  const serialized = JSON.stringify(meta);
  const bytes = Buffer.byteLength(serialized, 'utf8');
  if (bytes > METADATA_LIMITS.maxBytes) {
    throw AppError.from('METADATA_TOO_LARGE', `User metadata would be ${bytes} bytes; the limit is ${METADATA_LIMITS.maxBytes} bytes serialized. Nothing was stored.`, {
      bytes,
      limit: METADATA_LIMITS.maxBytes,
    });
  }
  return { meta, serialized };
}
