import type { FastifySchemaValidationError } from 'fastify';

export interface ValidationProblem {
  in: string | undefined;
  path: string;
  message: string | undefined;
  /** The values the field accepts, when it is an enumeration. */
  allowedValues?: unknown[];
}

/**
 * Ajv's errors as the `meta.errors` of VALIDATION_FAILED. An enumeration written as a union of
 * literals fails as one "must be equal to constant" per literal and then "must match a schema in
 * anyOf"; those collapse into one "must be one of …" that lists the allowed values.
 */
export function describeValidation(errors: readonly FastifySchemaValidationError[], context: string | undefined): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const absorbed = new Set<FastifySchemaValidationError>();
  for (const error of errors) {
    if (error.keyword !== 'anyOf') continue;
    const branches = errors.filter((e) => e !== error && e.schemaPath.startsWith(`${error.schemaPath}/`));
    if (branches.length === 0 || !branches.every((e) => e.keyword === 'const')) continue;
    for (const branch of branches) absorbed.add(branch);
    absorbed.add(error);
    problems.push(enumProblem(error, context, branches.map((e) => (e.params as { allowedValue?: unknown }).allowedValue)));
  }
  for (const error of errors) {
    if (absorbed.has(error)) continue;
    const allowed = error.keyword === 'enum' ? (error.params as { allowedValues?: unknown[] }).allowedValues : undefined;
    if (allowed) {
      problems.push(enumProblem(error, context, allowed));
    } else if (error.keyword === 'additionalProperties') {
      // Name the unexpected field itself, so a typo points at where it is.
      const field = String((error.params as { additionalProperty?: unknown }).additionalProperty);
      problems.push({ in: context, path: `${error.instancePath}/${field}`, message: 'is not a known field' });
    } else {
      problems.push({ in: context, path: error.instancePath || '/', message: error.message });
    }
  }
  return problems;
}

function enumProblem(error: FastifySchemaValidationError, context: string | undefined, allowedValues: unknown[]): ValidationProblem {
  return { in: context, path: error.instancePath || '/', message: `must be one of ${allowedValues.map((v) => JSON.stringify(v)).join(', ')}`, allowedValues };
}

/** "body/status must be one of …, querystring/x must be string": the problems in one sentence. */
export function validationSentence(problems: readonly ValidationProblem[]): string {
  return problems.map((p) => `${p.in ?? 'request'}${p.path === '/' ? '' : p.path} ${p.message ?? 'is invalid'}`).join(', ');
}
