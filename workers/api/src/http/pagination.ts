import { z } from 'zod';
import { fromBase64Url, toBase64Url } from '#shared/auth/bytes';
import { errors } from '#shared/errors';
import { StorableText } from '#shared/schemas/text';

/**
 * Keyset cursors: opaque to clients, stable under inserts, and an index seek instead of an OFFSET scan.
 * Opaque is not trusted: a cursor is a client's input like any other, so it is decoded through zod and its
 * key must be a value the column can hold (an int that fits `integer`, a date Postgres and JavaScript both
 * represent, text without NUL), or the request is a 422 before any SQL is sent.
 */
const KeysetCursor = z.object({
  /** The sort key of the last item served. */
  k: StorableText.max(500),
  /** Its id: the tie-breaker. */
  id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
  /** The sort the cursor was issued for, when a list has more than one (absent: the list's default sort). */
  s: z.string().max(40).optional(),
});
export type KeysetCursor = z.infer<typeof KeysetCursor>;

const invalidCursor = () => errors.unprocessable('invalid_cursor', 'The cursor is not one this API issued.');

export function encodeCursor(cursor: KeysetCursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(cursor)));
}

export function decodeCursor(text: string | undefined): KeysetCursor | undefined {
  if (!text) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(fromBase64Url(text)));
  } catch {
    throw invalidCursor();
  }
  const parsed = KeysetCursor.safeParse(json);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

/** A cursor key parser: the key as the column's value, from the string the cursor carries. */
export type CursorKey<K> = z.ZodType<K, string>;

/**
 * A cursor of a list with several sorts: it must have been issued for `sort` (a cursor without a sort belongs
 * to `defaultSort`), and its key must parse with that sort's key schema.
 */
export function decodeSortedCursor<K>(
  text: string | undefined,
  sort: string,
  defaultSort: string,
  key: CursorKey<K>,
): { key: K; id: string } | undefined {
  const cursor = decodeCursor(text);
  if (!cursor) return undefined;
  if ((cursor.s ?? defaultSort) !== sort) throw invalidCursor();
  const parsed = key.safeParse(cursor.k);
  if (!parsed.success) throw invalidCursor();
  return { key: parsed.data, id: cursor.id };
}

const INT4 = { min: -2_147_483_648, max: 2_147_483_647 };
/** Timestamps both sides can represent: Postgres reaches 294276 AD, JavaScript 275760 AD; ISO text stops at 9999. */
const LAST_DATE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const FIRST_DATE = Date.UTC(0, 0, 1);

const number = z
  .string()
  .max(40)
  .regex(/^\s*-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i)
  .transform(Number)
  .pipe(z.number().finite());

/** Key schemas for decodeSortedCursor, one per column type. */
export const cursorKeys = {
  text: StorableText.max(500),
  /** An `integer` column (popularity, points). */
  int: z
    .string()
    .regex(/^-?\d{1,10}$/)
    .transform(Number)
    .pipe(z.number().int().min(INT4.min).max(INT4.max)),
  /** A `double precision` column (scores): any finite number. */
  float: number,
  date: z
    .string()
    .max(40)
    .transform((k) => Date.parse(k))
    .pipe(z.number().min(FIRST_DATE).max(LAST_DATE))
    .transform((ms) => new Date(ms)),
  /** A trending score, or 'unscored' once the list has reached the shows without one. */
  trending: z.union([z.literal('unscored'), number]),
} satisfies Record<string, CursorKey<unknown>>;

/**
 * One page of a keyset list: the query asked for `limit + 1` rows, so a row beyond `limit` means a next page,
 * whose cursor is made from the last row served.
 */
export function keysetPage<R>(
  rows: R[],
  limit: number,
  cursorOf: (last: R) => KeysetCursor,
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}
