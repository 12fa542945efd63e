/**
 * Realistic parameters for the read endpoints, chosen from the data itself: the busiest upcoming show, the
 * most popular artist, the city with the most venues, search terms made from real names. Busy and popular
 * keys are the worst case for row counts (most votes, most shows), which is what an EXPLAIN check is for.
 */
import type pg from 'pg';
import { DEMO_FAN } from '../seed/accounts';

export interface ReadParams {
  show: { id: string; slug: string; votes: number };
  artist: { id: string; slug: string; name: string; genre: string | undefined; shows: number };
  venue: { id: string; slug: string; city: string; country: string };
  city: string;
  /** The city with the fewest venues: a filter that matches few rows, the worst case for a scan-and-filter plan. */
  smallCity: string;
  /** As typed in the search box: a prefix, a whole name with a typo, a city, two letters, a common word. */
  searchTerms: string[];
  /** The signed-in fan of /me/feed and /me/follows: the demo fan (follows 10 artists). */
  fan: { id: string; email: string };
}

async function one<T>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await client.query(sql, params);
  if (!rows[0]) throw new Error(`no row for: ${sql.replace(/\s+/g, ' ').slice(0, 120)} — is the database seeded?`);
  return rows[0] as T;
}

/** A one-letter typo in the middle of a word: two adjacent letters swapped. */
export function typo(text: string): string {
  const i = Math.max(1, Math.floor(text.length / 2) - 1);
  if (text.length < 4) return text;
  return text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
}

export async function pickReadParams(client: pg.Client): Promise<ReadParams> {
  // The upcoming (or live) show with the most votes: the biggest predicted setlist page.
  const show = await one<{ id: string; slug: string; votes: number }>(
    client,
    `select s.id, s.slug, t.votes::int as votes
       from (select show_id, sum(vote_count) as votes from setlist_songs group by show_id) t
       join shows s on s.id = t.show_id
      where s.status in ('upcoming', 'live')
      order by t.votes desc, s.id limit 1`,
  );
  const artist = await one<{ id: string; slug: string; name: string; genre: string | null; shows: number }>(
    client,
    `select a.id, a.slug, a.name, a.genres[1] as genre, (select count(*)::int from shows s where s.artist_id = a.id) as shows
       from artists a order by a.popularity desc, (select count(*) from shows s where s.artist_id = a.id) desc, a.id limit 1`,
  );
  const { city } = await one<{ city: string }>(
    client,
    `select city from venues group by city order by count(*) desc, city limit 1`,
  );
  const { city: smallCity } = await one<{ city: string }>(
    client,
    `select city from venues group by city order by count(*), city limit 1`,
  );
  const venue = await one<{ id: string; slug: string; city: string; country: string }>(
    client,
    `select v.id, v.slug, v.city, v.country from venues v join shows s on s.venue_id = v.id
      where s.status in ('upcoming', 'live') group by v.id order by count(*) desc, v.id limit 1`,
  );
  const fan = await one<{ id: string; email: string }>(client, `select id, email from users where email = $1`, [
    DEMO_FAN.email,
  ]);
  const firstWord = artist.name.split(/\s+/).find((w) => w.length >= 4 && !/^the$/i.test(w)) ?? artist.name;
  return {
    show,
    artist: { ...artist, genre: artist.genre ?? undefined },
    venue,
    city,
    smallCity,
    searchTerms: [
      firstWord.slice(0, 4).toLowerCase(),
      typo(artist.name.toLowerCase()),
      city.toLowerCase(),
      firstWord.slice(0, 2).toLowerCase(),
      'the',
    ],
    fan,
  };
}
