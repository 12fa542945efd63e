/** The show list (soonest first, or trending) and a show's detail, for GET /v1/shows and /v1/shows/{idOrSlug}. */
import { and, asc, count, desc, eq, gt, gte, lt, notExists, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { artists, setlistSongs, shows, songs, trendingScores, venues } from '#shared/db/schema';
import { errors } from '#shared/errors';
import type { ShowDetail } from '#shared/schemas/catalog';
import type { ShowList, ShowListQuery } from '#shared/schemas/shows';
import { readActualSetlist } from '#shared/scoring/actual-setlist';
import { cursorKeys, decodeSortedCursor, keysetPage } from '../http/pagination';
import {
  artistSummaryColumns,
  idOrSlug,
  selectShowSummaries,
  showColumns,
  showSummaryColumns,
  showsAfter,
  toShowSummary,
  venueColumns,
} from './common';

/** How many songs of the predicted setlist the show page summarises. */
export const PREDICTED_TOP = 10;

export async function listShows(db: Database, query: ShowListQuery): Promise<ShowList> {
  const filters: (SQL | undefined)[] = [
    query.status ? eq(shows.status, query.status) : undefined,
    query.artistId ? eq(shows.artistId, query.artistId) : undefined,
    query.venueId ? eq(shows.venueId, query.venueId) : undefined,
    query.city ? sql`search_key(${venues.city}) = search_key(${query.city})` : undefined,
    query.country ? eq(venues.country, query.country.toUpperCase()) : undefined,
    query.from ? gte(shows.startsAt, new Date(query.from)) : undefined,
    query.to ? lt(shows.startsAt, new Date(query.to)) : undefined,
  ];

  // Cursors: date → { k: startsAt ISO, id } (no `s`: the cursors issued before this list had sorts stay valid);
  // trending → { s: 'trending', k: score, id }, the score as JavaScript prints it, which float8 parses exactly.
  if (query.sort === 'trending') {
    // Two phases, so that both walk an index and stop at the page size (a coalesce(score, 0) sort read
    // and sorted all 50,000 shows: db:explain): first the scored shows in trending_scores_rank_idx order
    // (score desc, id asc), then the shows without a score (0) by id. The cursor says which phase it is in.
    const cursor = decodeSortedCursor(query.cursor, 'trending', 'date', cursorKeys.trending);
    const inScoredPhase = cursor?.key !== 'unscored';
    const scored = inScoredPhase
      ? await db
          .select({ ...showSummaryColumns, score: trendingScores.score })
          .from(trendingScores)
          .innerJoin(shows, eq(shows.id, trendingScores.entityId))
          .innerJoin(artists, eq(artists.id, shows.artistId))
          .innerJoin(venues, eq(venues.id, shows.venueId))
          .where(
            and(
              eq(trendingScores.entityType, 'show'),
              ...filters,
              cursor && cursor.key !== 'unscored'
                ? or(
                    lt(trendingScores.score, cursor.key),
                    and(eq(trendingScores.score, cursor.key), gt(trendingScores.entityId, cursor.id)),
                  )
                : undefined,
            ),
          )
          .orderBy(desc(trendingScores.score), asc(trendingScores.entityId))
          .limit(query.limit + 1)
      : [];
    const unscored =
      scored.length > query.limit
        ? []
        : await selectShowSummaries(db)
            .where(
              and(
                ...filters,
                notExists(
                  db
                    .select({ one: sql`1` })
                    .from(trendingScores)
                    .where(and(eq(trendingScores.entityType, 'show'), eq(trendingScores.entityId, shows.id))),
                ),
                cursor?.key === 'unscored' ? gt(shows.id, cursor.id) : undefined,
              ),
            )
            .orderBy(asc(shows.id))
            .limit(query.limit + 1 - scored.length);
    const rows = [...scored, ...unscored.map((row) => ({ ...row, score: null }))];
    const { page, nextCursor } = keysetPage(rows, query.limit, (last) => ({
      s: 'trending',
      k: last.score === null ? 'unscored' : String(last.score),
      id: last.id,
    }));
    return { items: page.map(({ score: _score, ...row }) => toShowSummary(row)), nextCursor };
  } else {
    const cursor = decodeSortedCursor(query.cursor, 'date', 'date', cursorKeys.date);
    const rows = await selectShowSummaries(db)
      .where(and(...filters, showsAfter(cursor)))
      .orderBy(asc(shows.startsAt), asc(shows.id))
      .limit(query.limit + 1);
    const { page, nextCursor } = keysetPage(rows, query.limit, (last) => ({
      k: last.startsAt.toISOString(),
      id: last.id,
    }));
    return { items: page.map(toShowSummary), nextCursor };
  }
}

/** The show with its artist, venue, the top of the predicted setlist and the actual setlist; undefined if none. */
export async function readShowDetail(db: Database, showIdOrSlug: string): Promise<ShowDetail | undefined> {
  const [show] = await db
    .select({ ...showColumns, artist: artistSummaryColumns, venue: venueColumns })
    .from(shows)
    .innerJoin(artists, eq(artists.id, shows.artistId))
    .innerJoin(venues, eq(venues.id, shows.venueId))
    .where(idOrSlug(shows, showIdOrSlug));
  if (!show) return undefined;
  // Persisted counts (the vote consumer keeps them within a moment of the room's); the live ones are the room's.
  const [top, [total], actual] = await Promise.all([
    db
      .select({
        setlistSongId: setlistSongs.id,
        songId: songs.id,
        title: songs.title,
        album: songs.album,
        voteCount: setlistSongs.voteCount,
      })
      .from(setlistSongs)
      .innerJoin(songs, eq(songs.id, setlistSongs.songId))
      .where(eq(setlistSongs.showId, show.id))
      .orderBy(desc(setlistSongs.voteCount), asc(setlistSongs.createdAt), asc(setlistSongs.id))
      .limit(PREDICTED_TOP),
    db.select({ n: count() }).from(setlistSongs).where(eq(setlistSongs.showId, show.id)),
    readActualSetlist(db, show.id),
  ]);
  const detail: ShowDetail = {
    ...toShowSummary(show),
    predictedSetlist: { songCount: total?.n ?? 0, top },
    actualSetlist: actual,
  };
  return detail;
}

/** Records a moderator's voting lock in Postgres; false when there is no such show. */
export async function setShowLocked(db: Database, showId: string, locked: boolean): Promise<boolean> {
  const saved = await db.$primary
    .update(shows)
    .set({ locked, updatedAt: new Date() })
    .where(eq(shows.id, showId))
    .returning({ id: shows.id });
  return saved.length > 0;
}

/** The artist and venue of a show (what a change to it makes stale); 404 when there is no such show. */
export async function existingShow(db: Database, showId: string): Promise<{ artistId: string; venueId: string }> {
  const [show] = await db
    .select({ artistId: shows.artistId, venueId: shows.venueId })
    .from(shows)
    .where(eq(shows.id, showId));
  if (!show) throw errors.notFound('show');
  return show;
}
