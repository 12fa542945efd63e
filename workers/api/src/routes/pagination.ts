import { fromBase64Url, toBase64Url } from '#shared/auth/bytes';
import { errors } from '#shared/errors';

/** Keyset cursors: opaque to clients, stable under inserts, and an index seek instead of an OFFSET scan. */
export interface KeysetCursor {
  /** The sort key of the last item served. */
  k: string;
  /** Its id: the tie-breaker. */
  id: string;
  /** The sort the cursor was issued for, when a list has more than one (absent: the list's default sort). */
  s?: string;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(cursor)));
}

export function decodeCursor(text: string | undefined): KeysetCursor | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(fromBase64Url(text))) as Partial<KeysetCursor>;
    if (typeof parsed.k === 'string' && typeof parsed.id === 'string') {
      return typeof parsed.s === 'string'
        ? { k: parsed.k, id: parsed.id, s: parsed.s }
        : { k: parsed.k, id: parsed.id };
    }
  } catch {
    // fall through to the 400 below
  }
  throw errors.unprocessable('invalid_cursor', 'The cursor is not one this API issued.');
}

const invalidCursor = () => errors.unprocessable('invalid_cursor', 'The cursor is not one this API issued.');

/**
 * A cursor of a list with several sorts: it must have been issued for `sort` (a cursor without a sort belongs
 * to `defaultSort`), and its key must parse as that sort's key (`parseKey` returns undefined when it does not).
 */
export function decodeSortedCursor<K>(
  text: string | undefined,
  sort: string,
  defaultSort: string,
  parseKey: (k: string) => K | undefined,
): { key: K; id: string } | undefined {
  const cursor = decodeCursor(text);
  if (!cursor) return undefined;
  const key = parseKey(cursor.k);
  if ((cursor.s ?? defaultSort) !== sort || key === undefined || !/^[0-9a-f-]{36}$/i.test(cursor.id))
    throw invalidCursor();
  return { key, id: cursor.id };
}

/** Key parsers for decodeSortedCursor. */
export const cursorKeys = {
  text: (k: string) => k,
  number: (k: string) => (k.trim() !== '' && Number.isFinite(Number(k)) ? Number(k) : undefined),
  date: (k: string) => (Number.isNaN(Date.parse(k)) ? undefined : new Date(k)),
  /** A trending score, or 'unscored' once the list has reached the shows without one. */
  trending: (k: string): number | 'unscored' | undefined => (k === 'unscored' ? k : cursorKeys.number(k)),
};
