/**
 * Recommendations for one fan (GET /v1/me/recommendations, and the offline evaluation in scripts/ml/):
 * item-to-item collaborative filtering over the precomputed `artist_similarity` (similarity.ts), with a
 * content-based fallback by genre. Every statement is an indexed lookup by the fan or by a handful of artists.
 *
 * Artists: the fan's seeds are the artists they follow or voted on; a candidate's score is the sum of its
 * similarity to each seed ("fans who follow or vote for your artists also follow or vote for this one"), the
 * reason names the seed that contributes most. Artists already followed are never recommended. When that gives
 * fewer than asked (a new fan, or artists nobody else likes yet), the list is filled with the most popular
 * artists of the fan's genres (the `genres` they told us, then those of their seeds), then of everyone.
 * Shows: the next upcoming show of each recommended artist, in the artists' order, skipping shows the fan has
 * already voted on (their own artists' shows are the feed: GET /v1/me/feed).
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type SqlRunner } from '../db/sql-runner';

export type ReasonKind = 'similar_fans' | 'genre' | 'popular';

export interface ArtistRecommendation {
  artist: { id: string; slug: string; name: string; genres: string[]; popularity: number; imageUrl: string | null };
  score: number;
  reason: {
    kind: ReasonKind;
    because: { id: string; slug: string; name: string } | null;
    genre: string | null;
    message: string;
  };
}

export interface ShowRecommendation {
  show: {
    id: string;
    slug: string;
    startsAt: string;
    status: 'upcoming' | 'live' | 'completed' | 'cancelled';
    votingOpensAt: string;
    votingClosesAt: string;
    artist: { id: string; slug: string; name: string };
    venue: { id: string; slug: string; name: string; city: string; country: string; timeZone: string };
  };
  score: number;
  reason: ArtistRecommendation['reason'];
}

export interface RecommendationResult {
  basis: 'collaborative' | 'genre' | 'popular';
  artists: ArtistRecommendation[];
  shows: ShowRecommendation[];
}

interface ArtistRow extends Record<string, unknown> {
  id: string;
  slug: string;
  name: string;
  genres: string[];
  popularity: number;
  image_url: string | null;
  score: number | string;
  because_id: string | null;
  because_slug: string | null;
  because_name: string | null;
  because_fans: boolean | null;
  because_genres: string[] | null;
}

interface ShowRow extends Record<string, unknown> {
  id: string;
  slug: string;
  starts_at: string | Date;
  status: ShowRecommendation['show']['status'];
  voting_opens_at: string | Date;
  voting_closes_at: string | Date;
  artist_id: string;
  artist_slug: string;
  artist_name: string;
  venue_id: string;
  venue_slug: string;
  venue_name: string;
  city: string;
  country: string;
  time_zone: string;
}

const iso = (v: string | Date) => (v instanceof Date ? v : new Date(v)).toISOString();
const uuids = (ids: string[]) => sql`${sql.param(ids)}::uuid[]`;
const texts = (values: string[]) => sql`${sql.param(values)}::text[]`;

/** Artists similar to the fan's seeds, best first (collaborative filtering). */
async function collaborative(db: SqlRunner, userId: string, limit: number): Promise<ArtistRow[]> {
  const rows = await rowsOf<ArtistRow>(
    db,
    sql`
    with followed as (
      select artist_id from follows where user_id = ${userId}
    ),
    seeds as (
      select artist_id from followed
      union
      select s.artist_id from votes v join shows s on s.id = v.show_id where v.user_id = ${userId} and v.active
    ),
    candidates as (
      select sim.similar_artist_id as artist_id, sum(sim.score)::float8 as score,
             (array_agg(sim.artist_id order by sim.score desc, sim.artist_id))[1] as because_id
      from artist_similarity sim
      where sim.artist_id in (select artist_id from seeds)
        and sim.similar_artist_id not in (select artist_id from followed)
      group by sim.similar_artist_id
      order by score desc, sim.similar_artist_id
      limit ${limit}
    )
    select a.id, a.slug, a.name, a.genres, a.popularity, a.image_url, c.score,
           b.id as because_id, b.slug as because_slug, b.name as because_name,
           sim.shared_fans > 0 as because_fans, sim.shared_genres as because_genres
    from candidates c
    join artists a on a.id = c.artist_id
    join artists b on b.id = c.because_id
    join artist_similarity sim on sim.artist_id = c.because_id and sim.similar_artist_id = c.artist_id
    order by c.score desc, a.popularity desc, a.id`,
  );
  return rows;
}

/** The genres of the fan's seeds, most frequent first. */
async function seedGenres(db: SqlRunner, userId: string): Promise<string[]> {
  const rows = await rowsOf<{ genre: string }>(
    db,
    sql`
    with seeds as (
      select artist_id from follows where user_id = ${userId}
      union
      select s.artist_id from votes v join shows s on s.id = v.show_id where v.user_id = ${userId} and v.active
    )
    select g as genre from seeds join artists a on a.id = seeds.artist_id cross join unnest(a.genres) g
    group by g order by count(*) desc, g limit 5`,
  );
  return rows.map((r) => r.genre);
}

/** The most popular artists of `genres` (or of everyone when empty), not followed and not in `exclude`. */
async function popularArtists(
  db: SqlRunner,
  userId: string,
  genres: string[],
  exclude: string[],
  limit: number,
): Promise<ArtistRow[]> {
  const rows = await rowsOf<ArtistRow>(
    db,
    sql`
    select a.id, a.slug, a.name, a.genres, a.popularity, a.image_url, (a.popularity / 100.0)::float8 as score,
           null as because_id, null as because_slug, null as because_name, null as because_fans, null as because_genres
    from artists a
    where ${genres.length ? sql`a.genres && ${texts(genres)}` : sql`true`}
      and a.id <> all(${uuids(exclude)})
      and not exists (select 1 from follows f where f.user_id = ${userId} and f.artist_id = a.id)
    order by a.popularity desc, a.id desc
    limit ${limit}`,
  );
  return rows;
}

function toArtist(row: ArtistRow, kind: ReasonKind, genres: string[]): ArtistRecommendation {
  const artist = {
    id: row.id,
    slug: row.slug,
    name: row.name,
    genres: row.genres,
    popularity: Number(row.popularity),
    imageUrl: row.image_url,
  };
  const because = row.because_id
    ? { id: row.because_id, slug: row.because_slug ?? '', name: row.because_name ?? '' }
    : null;
  const score = Math.round(Number(row.score) * 10_000) / 10_000;
  if (kind === 'similar_fans' && because) {
    // The strongest seed shares fans, or (for an artist nobody else follows yet) only genres.
    if (row.because_fans)
      return {
        artist,
        score,
        reason: {
          kind,
          because,
          genre: null,
          message: `Fans of ${because.name} also follow or vote for ${artist.name}`,
        },
      };
    const genre = row.because_genres?.[0] ?? null;
    return {
      artist,
      score,
      reason: { kind: 'genre', because, genre, message: `Like ${because.name}${genre ? ` (${genre})` : ''}` },
    };
  }
  const genre = kind === 'genre' ? (genres.find((g) => row.genres.includes(g)) ?? null) : null;
  return {
    artist,
    score,
    reason: { kind, because: null, genre, message: genre ? `Popular in ${genre}` : 'Popular on MySetlist' },
  };
}

/** The next upcoming show of each artist, in the given order, skipping shows the fan voted on. */
async function nextShows(db: SqlRunner, userId: string, artistIds: string[]): Promise<ShowRow[]> {
  if (!artistIds.length) return [];
  const rows = await rowsOf<ShowRow>(
    db,
    sql`
    select s.id, s.slug, s.starts_at, s.status, s.voting_opens_at, s.voting_closes_at,
           a.id as artist_id, a.slug as artist_slug, a.name as artist_name,
           v.id as venue_id, v.slug as venue_slug, v.name as venue_name, v.city, v.country, v.time_zone
    from unnest(${uuids(artistIds)}) with ordinality as r(artist_id, ord)
    cross join lateral (
      select s.* from shows s
      where s.artist_id = r.artist_id and s.status in ('upcoming', 'live')
        and not exists (select 1 from votes x where x.show_id = s.id and x.user_id = ${userId})
      order by s.starts_at, s.id
      limit 1
    ) s
    join artists a on a.id = s.artist_id
    join venues v on v.id = s.venue_id
    order by r.ord`,
  );
  return rows;
}

export interface RecommendOptions {
  limit: number;
  /** Genres the fan says they like: the fallback when nothing else is known. */
  genres?: string[];
  /** Skip the shows (the offline evaluation scores artists only). */
  artistsOnly?: boolean;
}

export async function recommend(
  db: SqlRunner,
  userId: string,
  options: RecommendOptions,
): Promise<RecommendationResult> {
  const { limit } = options;
  // More artists than shown: some have no upcoming show, and the show list draws from them.
  const pool = Math.max(limit, 20);
  const cf = await collaborative(db, userId, pool);
  const items = cf.map((row) => toArtist(row, 'similar_fans', []));
  let basis: RecommendationResult['basis'] = items.length ? 'collaborative' : 'popular';
  if (items.length < pool) {
    const genres = [...new Set([...(options.genres ?? []), ...(await seedGenres(db, userId))])];
    const exclude = items.map((i) => i.artist.id);
    const byGenre = genres.length ? await popularArtists(db, userId, genres, exclude, pool - items.length) : [];
    items.push(...byGenre.map((row) => toArtist(row, 'genre', genres)));
    if (!cf.length && byGenre.length) basis = 'genre';
    if (items.length < pool) {
      const popular = await popularArtists(
        db,
        userId,
        [],
        items.map((i) => i.artist.id),
        pool - items.length,
      );
      items.push(...popular.map((row) => toArtist(row, 'popular', [])));
    }
  }
  const byArtist = new Map(items.map((i) => [i.artist.id, i]));
  const shows = options.artistsOnly
    ? []
    : await nextShows(
        db,
        userId,
        items.map((i) => i.artist.id),
      );
  return {
    basis,
    artists: items.slice(0, limit),
    shows: shows.slice(0, limit).map((s) => {
      const from = byArtist.get(s.artist_id)!;
      return {
        show: {
          id: s.id,
          slug: s.slug,
          startsAt: iso(s.starts_at),
          status: s.status,
          votingOpensAt: iso(s.voting_opens_at),
          votingClosesAt: iso(s.voting_closes_at),
          artist: { id: s.artist_id, slug: s.artist_slug, name: s.artist_name },
          venue: {
            id: s.venue_id,
            slug: s.venue_slug,
            name: s.venue_name,
            city: s.city,
            country: s.country,
            timeZone: s.time_zone,
          },
        },
        score: from.score,
        reason: from.reason,
      };
    }),
  };
}
