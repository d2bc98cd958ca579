/** Nesting allowed in any JSON body: deep enough for any real settings object, shallow enough for recursive code. */
export const MAX_JSON_DEPTH = 32;

const UNSAFE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * False for text that PostgreSQL cannot store and SQLite would silently alter: NUL characters and
 * unpaired UTF-16 surrogates (a JSON body may carry both as `\u0000` and `\ud800` escapes).
 */
export function isSafeText(text: string): boolean {
  return !UNSAFE_TEXT.test(text);
}

export type JsonProblem = { kind: 'depth' | 'text' | 'number'; path: string };

function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}/${key}` : `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1').slice(0, 64)}`;
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

/** The JSON Pointer of a frame (and of its child `last`), built only once a problem was found. */
function pathOf(frame: Frame, last?: string | number): string {
  const keys: Array<string | number> = last === undefined ? [] : [last];
  for (let at: Frame | undefined = frame; at?.parent; at = at.parent) keys.push(at.key);
  return keys.length === 0 ? '/' : keys.reverse().reduce<string>(childPath, '');
}

function scalarProblem(value: unknown): 'text' | 'number' | undefined {
  if (typeof value === 'string') return isSafeText(value) ? undefined : 'text';
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'number';
  return undefined;
}

/**
 * The first place where a parsed JSON value nests deeper than `maxDepth`, holds unsafe text in a
 * key or string, or a number that overflowed to ±Infinity (`1e400`; JSON.stringify would write
 * null); walks iteratively, so no input can exhaust the stack. Paths are JSON Pointers. Runs on
 * every body: scalars are checked in place and paths are only spelled out for a problem.
 */
export function findJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  if (typeof value !== 'object' || value === null) {
    const kind = scalarProblem(value);
    return kind ? { kind, path: '/' } : undefined;
  }
  const stack: Frame[] = [{ value, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth >= maxDepth) return { kind: 'depth', path: pathOf(frame) };
    if (Array.isArray(frame.value)) {
      const items: unknown[] = frame.value;
      for (let i = 0; i < items.length; i++) {
        const child = items[i];
        if (typeof child === 'object' && child !== null) {
          stack.push({ value: child, depth: frame.depth + 1, parent: frame, key: i });
          continue;
        }
        const kind = scalarProblem(child);
        if (kind) return { kind, path: pathOf(frame, i) };
      }
      continue;
    }
    const object = frame.value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (!isSafeText(key)) return { kind: 'text', path: pathOf(frame, key.replace(/[\u0000\ud800-\udfff]/g, '?')) };
      const child = object[key];
      if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
        continue;
      }
      const kind = scalarProblem(child);
      if (kind) return { kind, path: pathOf(frame, key) };
    }
  }
  return undefined;
}
