import { parseRfc3339DateTime } from '../time/rfc3339.ts';

/** The part of Ajv this module uses (Ajv itself is Fastify's dependency, not ours). */
interface FormatRegistry {
  addFormat(name: string, format: { type: 'string'; validate: (value: string) => boolean }): unknown;
}

/**
 * Fastify's `ajv.onCreate`: replaces formats whose stock check lets impossible values through.
 * ajv-formats' `date-time` accepts `23:59:60` on any day, which no Date can hold, so a body that
 * passed validation could still fail in the handler.
 */
export function registerStrictFormats(ajv: FormatRegistry): void {
  ajv.addFormat('date-time', { type: 'string', validate: (value) => parseRfc3339DateTime(value) !== undefined });
}
