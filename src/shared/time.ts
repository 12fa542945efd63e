/** Durations in milliseconds, for instants computed with `Date` (UTC; no calendar or DST arithmetic). */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
