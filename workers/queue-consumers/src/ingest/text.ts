/** Text and time helpers shared by the import steps and the setlist matcher. */

/**
 * A song title reduced to what identifies the song: lower case, no accents, no punctuation, no
 * "- 2011 Remaster" / "(Remastered)" / "(feat. X)" decorations. "Don't Stop" and "Dont Stop (Remastered 2009)"
 * both become "dont stop".
 */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+-\s+(\d{4}\s+)?(remaster(ed)?|mono|stereo|single version|radio edit|album version)\b.*$/, '')
    .replace(
      /[([](\d{4}\s+)?(remaster(ed)?|feat\.?|ft\.?|featuring|with|mono|stereo|single version|radio edit|album version)\b[^)\]]*[)\]]/g,
      '',
    )
    .replace(/&/g, ' and ')
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Words of a venue name that carry no identity ("The O2 Arena" vs "O2 Arena"). */
const VENUE_STOPWORDS = new Set([
  'the',
  'arena',
  'stadium',
  'hall',
  'theatre',
  'theater',
  'club',
  'centre',
  'center',
  'at',
  'of',
  'and',
]);

/** Token overlap (Jaccard) of two names' significant words, 0..1. */
export function nameSimilarity(a: string, b: string): number {
  const words = (s: string) =>
    new Set(
      normaliseTitle(s)
        .split(' ')
        .filter((w) => w && !VENUE_STOPWORDS.has(w)),
    );
  const x = words(a);
  const y = words(b);
  if (x.size === 0 || y.size === 0) return normaliseTitle(a) === normaliseTitle(b) ? 1 : 0;
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  return shared / (x.size + y.size - shared);
}

/** Great-circle distance in km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** The wall-clock parts of `at` in `timeZone`. */
function zonedParts(
  at: Date,
  timeZone: string,
): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The local date of `at` in `timeZone` as setlist.fm writes it: dd-MM-yyyy. */
export function setlistfmDate(at: Date, timeZone: string): string {
  const p = zonedParts(at, timeZone);
  return `${String(p.day).padStart(2, '0')}-${String(p.month).padStart(2, '0')}-${p.year}`;
}

/** The UTC instant of a wall-clock time (yyyy-MM-dd, HH:mm[:ss]) in `timeZone`. */
export function zonedTimeToUtc(localDate: string, localTime: string, timeZone: string): Date {
  const [y, m, d] = localDate.split('-').map(Number) as [number, number, number];
  const [hh = 0, mm = 0, ss = 0] = localTime.split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm, ss);
  // Two passes settle the offset, also next to a DST change.
  let utc = guess;
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(utc), timeZone);
    const shownAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    utc += guess - shownAsUtc;
  }
  return new Date(utc);
}
