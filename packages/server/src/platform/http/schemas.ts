import { Kind, Type, type SchemaOptions, type Static, type TSchema } from '@sinclair/typebox';
import { UUID_PATTERN } from '../ids.ts';
import type { JsonObject } from '../json/json.ts';

/** Paragon's error envelope, the body of every 4xx and 5xx. */
export const ErrorBody = Type.Object(
  {
    message: Type.String({ description: 'What went wrong and, where it helps, how to fix it' }),
    code: Type.String({ description: 'Stable error code; see docs/errors.md' }),
    status: Type.Integer({ description: 'The HTTP status, repeated' }),
    meta: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Details of this error (ids, limits, validation errors)' })),
  },
  { $id: 'ErrorBody', description: 'Error envelope { message, code, status, meta? }' },
);

const errorRef = (description: string) => Type.Ref('ErrorBody', { description });

/** The error statuses every authenticated route may answer, each with the error envelope. */
export const errorResponses = {
  400: errorRef('The request does not match the expected shape (VALIDATION_FAILED, INVALID_JSON, …)'),
  401: errorRef('Missing, malformed, expired or foreign credentials (token or API key)'),
  403: errorRef('The user is disabled, or the plan lacks the feature'),
  404: errorRef('No such project, user, integration, credential, configuration or workflow'),
  409: errorRef('The request conflicts with the current state'),
  413: errorRef('The body or the resulting metadata is too large'),
} as const;

/** A reference to a schema registered with `$id`, typed as that schema. */
export function SchemaRef<T extends TSchema>(schema: T, options?: SchemaOptions) {
  if (schema.$id === undefined) throw new Error('SchemaRef needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id, options));
}

/**
 * `T` or null, as a JSON Schema type list (`["string", "null"]`) rather than an `anyOf`, which the
 * response serializer would have to check value by value.
 */
export function Nullable<T extends TSchema>(schema: T, options?: SchemaOptions) {
  if (typeof schema.type !== 'string') throw new Error('Nullable needs a schema with a single type');
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, [Kind]: 'Unsafe', type: [schema.type, 'null'] });
}

/** One of a fixed set of strings, as `{ type: "string", enum }`. */
export function StringEnum<const T extends readonly string[]>(values: T, options?: SchemaOptions) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** An object used as a map: any key, every value of `value`'s shape (`additionalProperties`). */
export function MapOf<T extends TSchema>(value: T, options?: SchemaOptions) {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}

/** A list envelope: `{ data: [...] }`. */
export function ListOf<T extends TSchema>(item: T, description: string) {
  return Type.Object({ data: Type.Array(item) }, { description });
}

/** An object whose keys are not known in advance (metadata, settings, provider data). */
export const AnyObject = Type.Unsafe<JsonObject>(Type.Object({}, { additionalProperties: true }));

/** `AnyObject` with a description of what it holds. */
export const OpenObject = (description: string) => Type.Unsafe<JsonObject>(Type.Object({}, { additionalProperties: true, description }));

export const ProjectParams = Type.Object({ projectId: Type.String({ description: 'Project id (UUID)' }) });

export const Uuid = Type.String({ pattern: UUID_PATTERN });

/** A response object declared by its main fields, passing any other field through unchanged. */
export function Open<T extends Record<string, TSchema>>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
}
