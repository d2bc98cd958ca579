import type { ComparisonOp } from './definition.schema.ts';

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function sameValue(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left === 'object' || typeof right === 'object') return JSON.stringify(left) === JSON.stringify(right);
  // "1000" from a path equals 1000 written in the definition.
  const a = asNumber(left);
  const b = asNumber(right);
  return a !== undefined && a === b;
}

function contains(left: unknown, right: unknown): boolean {
  if (Array.isArray(left)) return left.some((item) => sameValue(item, right));
  if (typeof left === 'string') return left.includes(String(right));
  return false;
}

/**
 * Compares two values the way a condition step and a permission rule do. Numbers compare as numbers
 * (numeric strings included); `contains` works on text and arrays; `in` asks whether the left value is
 * one of the right array's items.
 */
export function compare(left: unknown, op: ComparisonOp, right: unknown): boolean {
  switch (op) {
    case 'equals': return sameValue(left, right);
    case 'notEquals': return !sameValue(left, right);
    case 'contains': return contains(left, right);
    case 'notContains': return !contains(left, right);
    case 'startsWith': return typeof left === 'string' && left.startsWith(String(right));
    case 'endsWith': return typeof left === 'string' && left.endsWith(String(right));
    case 'gt': case 'gte': case 'lt': case 'lte': {
      const a = asNumber(left);
      const b = asNumber(right);
      if (a === undefined || b === undefined) return false;
      return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
    }
    case 'in': return Array.isArray(right) && right.some((item) => sameValue(left, item));
    case 'notIn': return Array.isArray(right) && !right.some((item) => sameValue(left, item));
    case 'exists': return left !== undefined && left !== null && left !== '';
    case 'notExists': return left === undefined || left === null || left === '';
    case 'isTrue': return left === true || left === 'true';
    case 'isFalse': return left === false || left === 'false';
  }
}

/** Whether a user's metadata passes a workflow's permissions (an OR of AND groups; none means everyone). */
export function permitted(permissions: readonly (readonly { key: string; op: ComparisonOp; value?: unknown }[])[], meta: Readonly<Record<string, unknown>>): boolean {
  if (permissions.length === 0) return true;
  return permissions.some((group) => group.every((condition) => compare(meta[condition.key], condition.op, condition.value)));
}
