import { Type, type Static } from '@sinclair/typebox';
import { AppError } from '../platform/errors.js';

export const MAX_PAGE_SIZE = 100;

/** Querystring every list route shares (seed 003 §8): a bounded page and an opaque cursor. */
export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
});
export type PageQuery = Static<typeof PageQuery>;

export const PageInfo = Type.Object({ next_cursor: Type.Union([Type.String(), Type.Null()]) });

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K extends Record<string, string | number>>(cursor: string, fields: (keyof K)[]): K {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as K;
    if (value && typeof value === 'object' && fields.every((f) => ['string', 'number'].includes(typeof value[f]))) return value;
  } catch {
    // fall through to the uniform error
  }
  throw new AppError('VALIDATION_ERROR', 'The cursor is not valid; start again without one.', {
    details: { fields: [{ path: 'querystring/cursor', message: 'invalid cursor' }] },
  });
}
