/** Entries (object members plus array items) a JSON body may hold unless its route sets `config.maxJsonEntries`. */
export const MAX_JSON_ENTRIES = 10_000;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Most entries (object members plus array items) in this route's JSON body. @default 10000 */
    maxJsonEntries?: number;
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

/** Index of the quote that closes the string opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at > 0) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

function isEmptyArray(text: string, open: number): boolean {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return c === CLOSE_ARRAY;
  }
  return true;
}

export type JsonShapeProblem = 'entries' | 'depth';

/**
 * Scans a JSON text without building anything and stops at the first entry (object member or array
 * item) past `maxEntries` or container nested past `maxDepth`: a body of many small keys or deep
 * brackets is refused for the cost of scanning part of it, before JSON.parse and the code after it
 * spend time on every key. Invalid JSON is scanned loosely; the parser refuses it next.
 */
export function findJsonShapeProblem(text: string, maxEntries: number, maxDepth: number): JsonShapeProblem | undefined {
  let count = 0;
  // One flag per open container: true for an array, whose commas separate entries.
  const inArray: boolean[] = [];
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case QUOTE:
        i = closingQuote(text, i);
        if (i < 0) return undefined;
        break;
      case COLON:
        if (++count > maxEntries) return 'entries';
        break;
      case COMMA:
        if (inArray[inArray.length - 1] === true && ++count > maxEntries) return 'entries';
        break;
      case OPEN_ARRAY:
        if (inArray.push(true) > maxDepth) return 'depth';
        if (!isEmptyArray(text, i) && ++count > maxEntries) return 'entries';
        break;
      case OPEN_OBJECT:
        if (inArray.push(false) > maxDepth) return 'depth';
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        inArray.pop();
        break;
    }
  }
  return undefined;
}
