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

/**
 * The first place where a parsed JSON value nests deeper than `maxDepth`, holds unsafe text in a
 * key or string, or a number that overflowed to ±Infinity (`1e400`; JSON.stringify would write
 * null); walks iteratively, so no input can exhaust the stack. Paths are JSON Pointers.
 */
export function findJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (!isSafeText(item.value)) return { kind: 'text', path: item.path || '/' };
      continue;
    }
    if (typeof item.value === 'number') {
      if (!Number.isFinite(item.value)) return { kind: 'number', path: item.path || '/' };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= maxDepth) return { kind: 'depth', path: item.path || '/' };
    if (Array.isArray(item.value)) {
      item.value.forEach((child, i) => stack.push({ value: child, depth: item.depth + 1, path: childPath(item.path, i) }));
      continue;
    }
    for (const [key, child] of Object.entries(item.value)) {
      if (!isSafeText(key)) return { kind: 'text', path: childPath(item.path, key.replace(/[\u0000\ud800-\udfff]/g, '?')) };
      stack.push({ value: child, depth: item.depth + 1, path: childPath(item.path, key) });
    }
  }
  return undefined;
}
