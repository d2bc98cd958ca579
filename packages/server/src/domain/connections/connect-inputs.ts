import { AppError } from '../../platform/errors.ts';
import { isPlainObject, type JsonObject } from '../../platform/json/json.ts';
import type { ValidationProblem } from '../../platform/http/validation-errors.ts';
import type { ConnectInput } from '../integrations/index.ts';

const MAX_VALUE_LENGTH = 8192;
/** Keys the official SDK adds to the payload of its own accord. */
const SDK_KEYS = new Set(['skipPostOAuthInputs']);

/**
 * The values of an integration's inputs in a connection payload, checked against their definition:
 * every required input present and non-blank, strings (numbers and booleans are taken as text),
 * no key the integration does not ask for. CREDENTIAL_INPUT_INVALID names each problem.
 */
export function checkInputs(inputs: readonly ConnectInput[], payload: unknown, path = '/payload'): Record<string, string> {
  const problems: ValidationProblem[] = [];
  const given: JsonObject = isPlainObject(payload) ? payload : {};
  if (payload !== undefined && !isPlainObject(payload)) problems.push({ in: 'body', path, message: 'must be an object of input values' });
  const known = new Set(inputs.map((i) => i.id));
  for (const key of Object.keys(given)) {
    if (!known.has(key) && !SDK_KEYS.has(key)) {
      problems.push({ in: 'body', path: `${path}/${key.slice(0, 64)}`, message: `is not an input of this integration (its inputs: ${inputs.map((i) => i.id).join(', ') || 'none'})` });
    }
  }
  const values: Record<string, string> = {};
  for (const input of inputs) {
    const raw = given[input.id];
    const at = `${path}/${input.id}`;
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      if (input.required) problems.push({ in: 'body', path: at, message: `is required (${input.title})` });
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.push({ in: 'body', path: at, message: 'must be a string' });
      continue;
    }
    const value = String(raw);
    if (value.length > MAX_VALUE_LENGTH) problems.push({ in: 'body', path: at, message: `must be at most ${MAX_VALUE_LENGTH} characters` });
    else if (input.pattern !== undefined && !new RegExp(input.pattern).test(value)) problems.push({ in: 'body', path: at, message: `does not have the form ${input.title} takes` });
    else values[input.id] = value;
  }
  if (problems.length > 0) {
    throw AppError.from('CREDENTIAL_INPUT_INVALID', `Invalid connection inputs: ${problems.map((p) => `${p.path.slice(1)} ${p.message}`).join('; ')}.`, { errors: problems });
  }
  return values;
}

/** The input values an app and its user may see again (`providerData`): everything but passwords. */
export function publicInputValues(inputs: readonly ConnectInput[], values: Readonly<Record<string, string>>): JsonObject {
  const visible: JsonObject = {};
  for (const input of inputs) {
    const value = values[input.id];
    if (value !== undefined && input.type !== 'password') visible[input.id] = value;
  }
  return visible;
}

/** Whether every required input has a value. */
export function inputsComplete(inputs: readonly ConnectInput[], values: Readonly<Record<string, string>> | undefined): boolean {
  return inputs.every((input) => !input.required || (values?.[input.id] ?? '') !== '');
}
