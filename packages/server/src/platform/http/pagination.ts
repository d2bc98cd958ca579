import { Type } from '@sinclair/typebox';
import { AppError } from '../errors.ts';

/** Query parameters of a paged list; `limit` is text in a query string (types are not coerced). */
export const PageQuery = {
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|200)$', description: 'Items per page, 1 to 200 (default 50)' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page, unchanged' })),
};

export const DEFAULT_PAGE_SIZE = 50;

/** The page size asked for (checked by `PageQuery.limit`), or the default. */
export function pageLimit(limit: string | undefined): number {
  return limit === undefined ? DEFAULT_PAGE_SIZE : Number(limit);
}

/**
 * Opaque list cursors: the position after a page's last item as base64url JSON. Clients pass them
 * back unchanged; anything else is a 400 naming the `cursor` parameter, never a 500.
 */
export function encodeCursor(position: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position in `cursor`, if `accept` takes it (it checks the types of each part). */
export function decodeCursor<T>(cursor: string, accept: (parts: unknown[]) => T | undefined): T {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const position = Array.isArray(parts) ? accept(parts) : undefined;
    if (position !== undefined) return position;
  } catch {
    // answered below
  }
  throw AppError.from('VALIDATION_FAILED', 'cursor is not one this list gave out; pass nextCursor back unchanged.', {
    errors: [{ in: 'querystring', path: '/cursor', message: 'is not a cursor of this list' }],
  });
}
