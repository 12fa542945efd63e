/**
 * Quiet hours in the user's own time zone. `start`/`end` are minutes after local midnight; an end before
 * the start spans midnight (22:00–07:00). Returns how long a non-urgent delivery must wait (0: send now).
 */
export function secondsUntilQuietHoursEnd(
  now: Date,
  timeZone: string,
  startMinute: number | null,
  endMinute: number | null,
): number {
  if (startMinute === null || endMinute === null || startMinute === endMinute) return 0;
  const local = localMinuteOfDay(now, timeZone);
  const inside =
    startMinute < endMinute ? local >= startMinute && local < endMinute : local >= startMinute || local < endMinute;
  if (!inside) return 0;
  const minutesLeft = (endMinute - local + 1440) % 1440;
  // Whole minutes from the current local minute; subtract the seconds already past in this minute.
  return Math.max(1, minutesLeft * 60 - now.getUTCSeconds());
}

/** The minute of the day (0–1439) that `now` is in `timeZone`. */
export function localMinuteOfDay(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

export const minuteToText = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
export const textToMinute = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
