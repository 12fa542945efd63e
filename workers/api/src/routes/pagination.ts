import { errors } from '../../../../src/shared/errors';
import { fromBase64Url, toBase64Url } from '../../../../src/shared/auth/bytes';

/** Keyset cursors: opaque to clients, stable under inserts, and an index seek instead of an OFFSET scan. */
export interface KeysetCursor {
  /** The sort key of the last item served. */
  k: string;
  /** Its id: the tie-breaker. */
  id: string;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(cursor)));
}

export function decodeCursor(text: string | undefined): KeysetCursor | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(fromBase64Url(text))) as Partial<KeysetCursor>;
    if (typeof parsed.k === 'string' && typeof parsed.id === 'string') return { k: parsed.k, id: parsed.id };
  } catch {
    // fall through to the 400 below
  }
  throw errors.unprocessable('invalid_cursor', 'The cursor is not one this API issued.');
}
