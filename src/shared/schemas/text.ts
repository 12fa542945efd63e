/**
 * Text Postgres can store. A `text` value can hold neither U+0000 (Postgres refuses it: SQLSTATE 22021) nor a
 * lone UTF-16 surrogate (it has no UTF-8 encoding). Every string that comes from outside is checked against
 * this one rule: request parameters and bodies by the api's input-text middleware, queue bodies by the
 * consumers (which clean rather than refuse: see `storableText`).
 */
import { z } from 'zod';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding U+0000 is the point.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export const UNSTORABLE_TEXT_MESSAGE = 'Text must not contain NUL characters or unpaired surrogates.';

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** The text with NULs removed and lone surrogates replaced by U+FFFD, as a UTF-8 encoder would. */
export function storableText(text: string): string {
  return isStorableText(text) ? text : text.replace(UNSTORABLE_ALL, (ch) => (ch === '\u0000' ? '' : '\uFFFD'));
}

/** Every string inside a JSON value (keys of plain objects too) passed through `f`; other values unchanged. */
function mapJsonStrings<T>(value: T, f: (text: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((item) => mapJsonStrings(item, f)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapJsonStrings(v, f)])) as T;
  }
  return value;
}

/** Every string inside a JSON value made storable (keys too); other values unchanged. */
export function storableJson<T>(value: T): T {
  return mapJsonStrings(value, storableText);
}

/** The text with each NUL and lone surrogate spelled out as `\uXXXX` (six characters): kept, not lost. */
export function escapedText(text: string): string {
  return isStorableText(text)
    ? text
    : text.replace(UNSTORABLE_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Every string inside a JSON value (keys too) with unstorable characters spelled out (`escapedText`): for records
 * that must keep what they were given, such as dead letters, where `storableJson` would drop NULs.
 */
export function escapedJson<T>(value: T): T {
  return mapJsonStrings(value, escapedText);
}

/** The path (as zod would spell it) of the first string inside a JSON value that is not storable. */
export function findUnstorableText(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, i]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return [...path, key];
      const found = findUnstorableText(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A string refinement for schemas that accept text from outside (cursor keys, queue bodies). */
export const StorableText = z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
