/**
 * The artist list (by name, popularity or trending score), an artist's page, similar artists and the catalogue
 * search, for GET /v1/artists and /v1/artists/{idOrSlug}[/similar|/songs].
 */
import { and, asc, count, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '#shared/db/client';
import { artistSimilarity, artists, follows, shows, songs, trendingScores } from '#shared/db/schema';
import { errors } from '#shared/errors';
import type {
  ArtistDetail,
  ArtistList,
  ArtistListQuery,
  ArtistSort,
  SimilarArtistList,
  SongList,
  SongSearchQuery,
} from '#shared/schemas/catalog';
import type { ShowSummary } from '#shared/schemas/shows';
import { type CursorKey, cursorKeys, decodeSortedCursor, keysetPage } from '../http/pagination';
import { fullText } from '../search/catalogue';
import {
  artistSummaryColumns,
  idOrSlug,
  isPast,
  isUpcoming,
  likePrefix,
  rowAfter,
  selectShowSummaries,
  songColumns,
  toShowSummary,
} from './common';
import { inCatalogue } from './songs';

/** How many upcoming and past shows the artist page carries; the full lists are GET /shows?artistId=. */
export const ARTIST_PAGE_SHOWS = 20;
/** The artist page's catalogue is capped; GET /artists/{idOrSlug}/songs has the same order. */
export const ARTIST_PAGE_SONGS = 500;
export const SIMILAR_ARTISTS = 10;

/** An artist's trending score (entity 'artist'); unscored artists count as 0. */
const artistTrendingScore = sql<number>`coalesce(${trendingScores.score}, 0)`;

/** The catalogue order: by album (songs without one last), then title. */
const catalogueOrder = [sql`${songs.album} asc nulls last`, asc(songs.title), asc(songs.id)];

/** The sort keys of each artist sort: expression, direction, and how the cursor carries the key. */
const ARTIST_SORTS = {
  name: { key: artists.name, direction: 'asc', parse: cursorKeys.text, param: (k: string) => sql`${k}::text` },
  popularity: {
    key: artists.popularity,
    direction: 'desc',
    parse: cursorKeys.int,
    param: (k: number) => sql`${k}::int`,
  },
  trending: {
    key: artistTrendingScore,
    direction: 'desc',
    parse: cursorKeys.float,
    param: (k: number) => sql`${k}::float8`,
  },
} as const;

/** The artist's id, by id or slug; 404 when there is no such artist. */
export async function findArtist(db: Database, value: string) {
  const [artist] = await db.select({ id: artists.id }).from(artists).where(idOrSlug(artists, value));
  if (!artist) throw errors.notFound('artist');
  return artist;
}

export async function listArtists(db: Database, query: ArtistListQuery): Promise<z.infer<typeof ArtistList>> {
  const sort: ArtistSort = query.sort;
  const spec = ARTIST_SORTS[sort];
  // Cursor: { s: sort, k: the sort key of the last artist (name, popularity or score), id } — see pagination.ts.
  const cursor = decodeSortedCursor(query.cursor, sort, 'name', spec.parse as CursorKey<string | number>);
  const hasUpcoming = sql`exists (select 1 from ${shows} where ${shows.artistId} = ${artists.id} and ${shows.status} in ('upcoming', 'live'))`;
  const filters: (SQL | undefined)[] = [
    query.genre ? sql`${artists.genres} @> array[${query.genre.toLowerCase()}]::text[]` : undefined,
    query.hasUpcoming === 'true' ? hasUpcoming : query.hasUpcoming === 'false' ? sql`not ${hasUpcoming}` : undefined,
    cursor
      ? rowAfter(
          spec.direction,
          spec.key,
          artists.id,
          (spec.param as (k: string | number) => SQL)(cursor.key),
          cursor.id,
        )
      : undefined,
  ];
  const order = spec.direction === 'asc' ? [asc(spec.key), asc(artists.id)] : [desc(spec.key), desc(artists.id)];
  const rows = await db
    .select({ ...artistSummaryColumns, trendingScore: artistTrendingScore })
    .from(artists)
    .leftJoin(trendingScores, and(eq(trendingScores.entityType, 'artist'), eq(trendingScores.entityId, artists.id)))
    .where(and(...filters))
    .orderBy(...order)
    .limit(query.limit + 1);
  const key = (row: (typeof rows)[number]) =>
    sort === 'name' ? row.name : sort === 'popularity' ? String(row.popularity) : String(row.trendingScore);
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) => ({ s: sort, k: key(last), id: last.id }));
  return { items: page, nextCursor };
}

/** The artist with their catalogue, upcoming and past shows and follower count; undefined if there is none. */
export async function readArtistDetail(db: Database, artistIdOrSlug: string): Promise<ArtistDetail | undefined> {
  const [artist] = await db
    .select({ artist: artists, trendingScore: artistTrendingScore })
    .from(artists)
    .leftJoin(trendingScores, and(eq(trendingScores.entityType, 'artist'), eq(trendingScores.entityId, artists.id)))
    .where(idOrSlug(artists, artistIdOrSlug));
  if (!artist) return undefined;
  const id = artist.artist.id;
  const showsOf = (where: SQL | undefined) => selectShowSummaries(db).where(and(eq(shows.artistId, id), where));
  const [catalogue, upcoming, past, [followers]] = await Promise.all([
    db
      .select(songColumns)
      .from(songs)
      .where(and(eq(songs.artistId, id), inCatalogue()))
      .orderBy(...catalogueOrder)
      .limit(ARTIST_PAGE_SONGS),
    showsOf(isUpcoming()).orderBy(asc(shows.startsAt), asc(shows.id)).limit(ARTIST_PAGE_SHOWS),
    showsOf(isPast()).orderBy(desc(shows.startsAt), desc(shows.id)).limit(ARTIST_PAGE_SHOWS),
    db.select({ n: count() }).from(follows).where(eq(follows.artistId, id)),
  ]);
  const { createdAt, updatedAt, ...rest } = artist.artist;
  const detail: ArtistDetail = {
    ...rest,
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
    trendingScore: artist.trendingScore,
    followerCount: followers?.n ?? 0,
    songs: catalogue,
    upcomingShows: upcoming.map(toShowSummary) satisfies ShowSummary[],
    pastShows: past.map(toShowSummary) satisfies ShowSummary[],
  };
  return detail;
}

export async function similarArtists(db: Database, artistIdOrSlug: string): Promise<z.infer<typeof SimilarArtistList>> {
  const { id } = await findArtist(db, artistIdOrSlug);
  // Precomputed by the hourly cron (workers/api/src/recommend/similarity.ts: the scoring is explained there):
  // one index range scan of artist_similarity_rank_idx, however many votes and follows there are.
  const rows = await db
    .select({
      ...artistSummaryColumns,
      score: artistSimilarity.score,
      sharedVoters: artistSimilarity.sharedFans,
      sharedGenres: artistSimilarity.sharedGenres,
    })
    .from(artistSimilarity)
    .innerJoin(artists, eq(artists.id, artistSimilarity.similarArtistId))
    .where(eq(artistSimilarity.artistId, id))
    .orderBy(asc(artistSimilarity.rank))
    .limit(SIMILAR_ARTISTS);
  const items = rows.map((r) => ({ ...r, score: Math.round(r.score * 10_000) / 10_000 }));
  return { items };
}

/** The artist's catalogue in catalogue order, or with `q` the titles matching it, best first. */
export async function artistSongs(
  db: Database,
  artistIdOrSlug: string,
  { q, limit }: z.infer<typeof SongSearchQuery>,
): Promise<z.infer<typeof SongList>> {
  const { id } = await findArtist(db, artistIdOrSlug);
  if (!q) {
    const items = await db
      .select(songColumns)
      .from(songs)
      .where(and(eq(songs.artistId, id), inCatalogue()))
      .orderBy(...catalogueOrder)
      .limit(limit);
    return { items };
  }
  /*
   * Search within the catalogue, on search_key() (lower-cased, accent-free: migration 0004). A title matches
   * when it starts with the query, or is trigram-similar to it as a whole (`%`: typos in a full title), or
   * contains a word-similar part (`<%`: a typo in one word of a longer title), or has one of its words in
   * another form (full-text search, search/catalogue.ts: "loving" finds "Love Me Do"). Prefix matches come
   * first, then by the best of the two similarities and the full-text rank. The artist's songs are few: the
   * conditions filter what songs_artist_title_idx finds, no search index is needed.
   */
  const key = sql`search_key(${songs.title})`;
  const needle = sql`search_key(${q})`;
  const prefix = sql`${key} like search_key(${likePrefix(q)})`;
  const document = sql`search_vector(${songs.title}, 'A')`;
  const text = fullText(q);
  const items = await db
    .select(songColumns)
    .from(songs)
    .where(
      and(
        eq(songs.artistId, id),
        inCatalogue(),
        sql`(${prefix} or ${key} % ${needle} or ${needle} <% ${key} or ${text.found(document)})`,
      ),
    )
    .orderBy(
      desc(prefix),
      desc(sql`greatest(similarity(${key}, ${needle}), word_similarity(${needle}, ${key}), ${text.rank(document)})`),
      asc(songs.title),
      asc(songs.id),
    )
    .limit(limit);
  return { items };
}
