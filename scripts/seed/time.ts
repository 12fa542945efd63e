/**
 * Wall-clock arithmetic in IANA zones without a date library: a show is "8 pm local" at its venue, and
 * the UTC instant for that depends on the zone's offset (and DST) on that date. Intl knows the rules.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '#shared/time';

export { DAY_MS, HOUR_MS, MINUTE_MS };

export interface CalendarDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

interface WallTime extends CalendarDate {
  hour: number;
  minute: number;
  second: number;
}

/** The seed's anchor: the UTC midnight that starts the day containing `ms`. */
export function utcMidnight(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    // h23 avoids the "24:00" that some ICU versions print for midnight with hour12: false.
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

function wallTime(timeZone: string, utcMs: number): WallTime {
  const out: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(utcMs)) {
    if (part.type in out) out[part.type as keyof WallTime] = Number(part.value);
  }
  return out;
}

/** How far the zone's wall clock is ahead of UTC at that instant. */
function offsetMs(timeZone: string, utcMs: number): number {
  const w = wallTime(timeZone, utcMs);
  const asIfUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asIfUtc - Math.floor(utcMs / 1000) * 1000;
}

export function localDate(timeZone: string, utcMs: number): CalendarDate {
  const { year, month, day } = wallTime(timeZone, utcMs);
  return { year, month, day };
}

/**
 * The UTC instant at which the zone's clock shows that date and time. The second pass corrects for a
 * DST change between the guess and the answer; evening show times never fall in a DST gap.
 */
export function zonedTimeToUtc(timeZone: string, date: CalendarDate, hour: number, minute: number): number {
  const asIfUtc = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  let utc = asIfUtc - offsetMs(timeZone, asIfUtc);
  const corrected = offsetMs(timeZone, utc);
  if (asIfUtc - utc !== corrected) utc = asIfUtc - corrected;
  return utc;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function isoDate(date: CalendarDate): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

/** Timestamps are whole seconds: they read better and compare exactly after a round trip. */
export function isoTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}
