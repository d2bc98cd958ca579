import { AppError } from '../../platform/errors.ts';
import { findJsonProblem } from '../../platform/json/json-guard.ts';
import type { JsonObject } from '../../platform/json/json.ts';

/** Documented limits of a configuration's user settings (docs/api.md), the same as user metadata's. */
export const SETTINGS_LIMITS = {
  /** Serialized `sharedSettings`; and, separately, all workflow settings of the configuration together. */
  maxBytes: 64 * 1024,
  maxDepth: 8,
  /** Body of a settings PATCH: both parts at their limit; refused unread beyond. */
  maxBodyBytes: 128 * 1024,
  /** Keys and array items in one settings PATCH body, counted before it is parsed. */
  maxBodyEntries: 2_000,
} as const;

function checkDepth(field: string, value: unknown): void {
  if (findJsonProblem(value, SETTINGS_LIMITS.maxDepth + 1)?.kind === 'depth') {
    throw AppError.from('SETTINGS_TOO_DEEP', `${field} may nest objects and arrays at most ${SETTINGS_LIMITS.maxDepth} levels deep.`, { field, limit: SETTINGS_LIMITS.maxDepth });
  }
}

function checkSize(field: string, value: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > SETTINGS_LIMITS.maxBytes) {
    throw AppError.from('SETTINGS_TOO_LARGE', `${field} would be ${bytes} bytes serialized; the limit is ${SETTINGS_LIMITS.maxBytes}. Nothing was stored.`, {
      field,
      bytes,
      limit: SETTINGS_LIMITS.maxBytes,
    });
  }
}

/**
 * Refuses settings over the size or depth limit before anything is read or written: they are
 * replaced whole, so the patch is what would be stored, and every `GET /sdk/me` would carry it.
 */
export function checkSettings(patch: { sharedSettings?: JsonObject | undefined; workflowSettings?: Record<string, { settings?: JsonObject | undefined }> | undefined }): void {
  if (patch.sharedSettings) {
    checkDepth('sharedSettings', patch.sharedSettings);
    checkSize('sharedSettings', patch.sharedSettings);
  }
  if (patch.workflowSettings) {
    const entries = Object.entries(patch.workflowSettings);
    for (const [workflowId, value] of entries) {
      if (value.settings) checkDepth(`workflowSettings["${workflowId.slice(0, 64)}"].settings`, value.settings);
    }
    // Measured as stored: one settings object per workflow.
    checkSize('workflowSettings', Object.fromEntries(entries.map(([workflowId, value]) => [workflowId, value.settings ?? {}])));
  }
}
