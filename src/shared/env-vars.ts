/**
 * Numeric settings read from wrangler `[vars]`, which are strings. Unset, empty or not a number gives the
 * fallback, so a mistyped var never turns a limit into NaN. Used by the api and the rooms.
 */

/** A number above zero. */
export function positiveVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** A whole number above zero (a count: concurrency, queue length). */
export function positiveIntVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** A number of zero or more, for settings where zero means "off" (e.g. no fresh cache hits). */
export function nonNegativeVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n >= 0 ? n : fallback;
}
