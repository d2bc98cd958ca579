/**
 * Workflow variables: `{{user.meta.apiKey}}`, `{{steps.lookup.output.id}}`,
 * `{{user.meta.TimeZone | "UTC"}}`. A string that is exactly one variable becomes the variable's
 * value with its JSON type; variables inside longer text are written as text (objects as JSON).
 */

const VARIABLE = /\{\{\s*([^{}|]+?)\s*(?:\|\s*([^{}]*?)\s*)?\}\}/g;
const WHOLE = /^\{\{\s*([^{}|]+?)\s*(?:\|\s*([^{}]*?)\s*)?\}\}$/;

export interface VariableRef {
  /** As written, e.g. `user.meta.apiKey`. */
  expression: string;
  path: string[];
  /** The default's JSON value, when the template gives one. */
  fallback?: { value: unknown } | undefined;
}

/** What variables a run can read. */
export interface TemplateScope {
  user: { id: string; meta: Record<string, unknown> };
  settings: Record<string, unknown>;
  event?: unknown;
  request?: { body: unknown; query: Record<string, unknown>; headers: Record<string, unknown> };
  steps: Record<string, { output: unknown }>;
  credential: { providerId: string | null };
}

export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
  }
}

function parseFallback(text: string | undefined, expression: string): VariableRef['fallback'] {
  if (text === undefined) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    throw new TemplateError(`The default of {{${expression}}} must be JSON (a "quoted string", a number, true, false or null); got ${text.slice(0, 60)}.`, expression);
  }
}

function refOf(expression: string, fallback: string | undefined): VariableRef {
  const path = expression.split('.');
  if (path.some((part) => part.length === 0 || /\s/.test(part))) {
    throw new TemplateError(`{{${expression}}} is not a variable: write names separated by dots, e.g. {{user.meta.Email}}.`, expression);
  }
  return { expression, path, fallback: parseFallback(fallback, expression) };
}

/** Every variable in a string. */
export function variablesIn(text: string): VariableRef[] {
  return [...text.matchAll(VARIABLE)].map((match) => refOf(match[1]!, match[2]));
}

/** Every variable anywhere in a JSON value, with the JSON path of the string it is in. */
export function variablesDeep(value: unknown, at: string, out: { at: string; ref: VariableRef }[] = []): { at: string; ref: VariableRef }[] {
  if (typeof value === 'string') {
    for (const ref of variablesIn(value)) out.push({ at, ref });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => variablesDeep(item, `${at}[${index}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) variablesDeep(item, `${at}.${key}`, out);
  }
  return out;
}

const MISSING = Symbol('missing');

function lookup(scope: unknown, path: readonly string[]): unknown {
  let current: unknown = scope;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return MISSING;
    if (Array.isArray(current)) {
      const index = Number(part);
      if (!Number.isInteger(index) || index < 0 || index >= current.length) return MISSING;
      current = current[index];
    } else {
      if (!Object.prototype.hasOwnProperty.call(current, part)) return MISSING;
      current = (current as Record<string, unknown>)[part];
    }
  }
  return current === undefined ? MISSING : current;
}

function resolve(ref: VariableRef, scope: TemplateScope): unknown {
  const found = lookup(scope, ref.path);
  if (found !== MISSING && found !== null) return found;
  if (ref.fallback) return ref.fallback.value;
  if (found === null) return null;
  throw new TemplateError(`{{${ref.expression}}} has no value in this run; give it a default with {{${ref.expression} | "…"}} if it may be missing.`, ref.expression);
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Fills every variable of a JSON value; throws TemplateError for a missing one without a default. */
export function render(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return resolve(refOf(whole[1]!, whole[2]), scope);
    if (!value.includes('{{')) return value;
    return value.replace(VARIABLE, (_match, expression: string, fallback: string | undefined) => asText(resolve(refOf(expression, fallback), scope)));
  }
  if (Array.isArray(value)) return value.map((item) => render(item, scope));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = render(item, scope);
    return out;
  }
  return value;
}

/** Renders and insists on text (URLs, paths, header values). */
export function renderText(value: string, scope: TemplateScope): string {
  return asText(render(value, scope));
}
