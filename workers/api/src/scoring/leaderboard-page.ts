import { and, asc, desc, eq, gt, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { fanScores, fanTotals, users } from '#shared/db/schema';
import type { LeaderboardEntry, LeaderboardPeriod, LeaderboardQuery } from '#shared/schemas/scoring';
import { cursorKeys, decodeSortedCursor, encodeCursor } from '../routes/pagination';

const DAY_MS = 86_400_000;
/** A period is a rolling window of show start times ending now. */
const PERIOD_DAYS: Record<LeaderboardPeriod, number | null> = { week: 7, month: 30, year: 365, all: null };

/**
 * Fans ranked by the points they earned, most first, ties by user id. Cursor: { s: period, k: points of the
 * last fan served, id: their user id }. Plans (docs/scoring.md, scripts/explain/leaderboard-plans.ts):
 * - all time, all artists: fan_totals (kept by finalisation) walked in fan_totals_rank_idx order; the rank is
 *   1 + the fans with more points, an index range count.
 * - a period and/or an artist: a range on fan_scores_starts_at_idx (show_starts_at, user_id) or
 *   fan_scores_artist_idx (artist_id, user_id), summed per fan and ranked with rank(); the page is cut before
 *   users are joined, so only its fans are looked up.
 */
export async function leaderboardPage(db: Database, query: LeaderboardQuery, artistId?: string) {
  const cursor = decodeSortedCursor(query.cursor, query.period, 'all', cursorKeys.int);
  const days = PERIOD_DAYS[query.period];
  let page: { userId: string; points: number; shows: number; songsHit: number; rank: number }[];
  if (days === null && !artistId) {
    const rows = await db
      .select({
        userId: fanTotals.userId,
        points: fanTotals.points,
        shows: fanTotals.shows,
        songsHit: fanTotals.songsHit,
      })
      .from(fanTotals)
      .where(
        and(
          gt(fanTotals.shows, 0),
          cursor
            ? or(
                lt(fanTotals.points, cursor.key),
                and(eq(fanTotals.points, cursor.key), gt(fanTotals.userId, cursor.id)),
              )
            : undefined,
        ),
      )
      .orderBy(desc(fanTotals.points), asc(fanTotals.userId))
      .limit(query.limit + 1);
    page = await withTotalsRanks(db, rows);
  } else {
    const filters: (SQL | undefined)[] = [
      days === null ? undefined : gte(fanScores.showStartsAt, new Date(Date.now() - days * DAY_MS)),
      artistId ? eq(fanScores.artistId, artistId) : undefined,
    ];
    const totals = db
      .select({
        userId: fanScores.userId,
        points: sql<number>`sum(${fanScores.points})::int`.as('points'),
        shows: sql<number>`count(*)::int`.as('shows'),
        songsHit: sql<number>`sum(${fanScores.songsHit})::int`.as('songs_hit'),
        rank: sql<number>`rank() over (order by sum(${fanScores.points}) desc)::int`.as('rank'),
      })
      .from(fanScores)
      .where(and(...filters))
      .groupBy(fanScores.userId)
      .as('totals');
    page = await db
      .select({
        userId: totals.userId,
        points: totals.points,
        shows: totals.shows,
        songsHit: totals.songsHit,
        rank: totals.rank,
      })
      .from(totals)
      .where(
        cursor
          ? or(lt(totals.points, cursor.key), and(eq(totals.points, cursor.key), gt(totals.userId, cursor.id)))
          : undefined,
      )
      .orderBy(desc(totals.points), asc(totals.userId))
      .limit(query.limit + 1);
  }
  const more = page.length > query.limit;
  page = page.slice(0, query.limit);
  const names = page.length
    ? new Map(
        (
          await db
            .select({ id: users.id, displayName: users.displayName })
            .from(users)
            .where(
              inArray(
                users.id,
                page.map((r) => r.userId),
              ),
            )
        ).map((u) => [u.id, u.displayName]),
      )
    : new Map<string, string>();
  const last = page.at(-1);
  const items: LeaderboardEntry[] = page.map((r) => ({
    rank: r.rank,
    user: { id: r.userId, displayName: names.get(r.userId) ?? '' },
    points: r.points,
    shows: r.shows,
    songsHit: r.songsHit,
  }));
  return {
    period: query.period,
    items,
    nextCursor: more && last ? encodeCursor({ s: query.period, k: String(last.points), id: last.userId }) : null,
  };
}

/**
 * Competition ranks for a page of fan_totals rows (sorted by points, descending), from one index range count:
 * rank = 1 + the fans with more points. Fans ahead of the page's first fan are counted in Postgres (those with
 * more points, and those with as many, which may sit on earlier pages); fans ahead of a later one are those
 * plus the page's own fans before it with fewer points than the first. A correlated count per row would be
 * planned as a scan of fan_totals per row (the planner cannot estimate `points > outer.points`).
 */
async function withTotalsRanks<R extends { points: number }>(
  db: Database,
  rows: R[],
): Promise<(R & { rank: number })[]> {
  const first = rows[0];
  if (!first) return [];
  const [counts] = await db
    .select({
      above: sql<number>`count(*) filter (where ${fanTotals.points} > ${first.points})::int`,
      atOrAbove: sql<number>`count(*)::int`,
    })
    .from(fanTotals)
    .where(and(gt(fanTotals.shows, 0), gte(fanTotals.points, first.points)));
  return rows.map((row, i) => {
    if (row.points === first.points) return { ...row, rank: counts!.above + 1 };
    const between = rows.slice(0, i).filter((r) => r.points > row.points && r.points < first.points).length;
    return { ...row, rank: counts!.atOrAbove + between + 1 };
  });
}
