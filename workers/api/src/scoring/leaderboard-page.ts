import { and, asc, desc, eq, gt, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { fanArtistPeriodTotals, fanArtistTotals, fanPeriodTotals, fanTotals, users } from '#shared/db/schema';
import type { LeaderboardEntry, LeaderboardQuery } from '#shared/schemas/scoring';
import { periodStartSql } from '#shared/scoring/rollups';
import { cursorKeys, decodeSortedCursor, encodeCursor } from '../http/pagination';

type Row = { userId: string; points: number; shows: number; songsHit: number };

type RollupTable = typeof fanTotals | typeof fanPeriodTotals | typeof fanArtistTotals | typeof fanArtistPeriodTotals;

/**
 * Fans ranked by the points they earned, most first, ties by user id. Periods are UTC calendar periods of the
 * show's start (the week from Monday, the month, the year holding `now`), or all time. Cursor: { s: period,
 * k: points of the last fan served, id: their user id }. Every board reads a rollup kept by finalisation
 * (src/shared/scoring/rollups.ts), walked in rank order; the rank is 1 + the fans with more points, an index range
 * count; users are looked up for the page only. Plans: docs/scoring.md, scripts/explain/leaderboard-plans.ts.
 */
export async function leaderboardPage(db: Database, query: LeaderboardQuery, artistId?: string, now = new Date()) {
  const cursor = decodeSortedCursor(query.cursor, query.period, 'all', cursorKeys.int);
  const rollup = rollupOf(query.period, artistId, now);
  const t = rollup.table;
  const rows: Row[] = await db
    .select({ userId: t.userId, points: t.points, shows: t.shows, songsHit: t.songsHit })
    .from(t)
    .where(
      and(
        rollup.where,
        cursor ? or(lt(t.points, cursor.key), and(eq(t.points, cursor.key), gt(t.userId, cursor.id))) : undefined,
      ),
    )
    .orderBy(desc(t.points), asc(t.userId))
    .limit(query.limit + 1);
  let page = await withRanks(db, rows, rollup);
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
 * The rollup holding a board's rows, and the condition selecting them: all artists' all-time board
 * (fan_totals_rank_idx), one period of all artists (fan_period_totals_rank_idx), one artist's all-time board
 * (fan_artist_totals_rank_idx) or one period of one artist (fan_artist_period_totals_rank_idx).
 */
function rollupOf(
  period: LeaderboardQuery['period'],
  artistId: string | undefined,
  now: Date,
): { table: RollupTable; where: SQL | undefined } {
  if (period === 'all') {
    if (!artistId) return { table: fanTotals, where: gt(fanTotals.shows, 0) };
    return { table: fanArtistTotals, where: eq(fanArtistTotals.artistId, artistId) };
  }
  const start = periodStartSql(period, sql`${now.toISOString()}::timestamptz`);
  if (!artistId)
    return {
      table: fanPeriodTotals,
      where: and(eq(fanPeriodTotals.period, period), eq(fanPeriodTotals.periodStart, start)),
    };
  const t = fanArtistPeriodTotals;
  return { table: t, where: and(eq(t.artistId, artistId), eq(t.period, period), eq(t.periodStart, start)) };
}

/**
 * Competition ranks for a page of rollup rows (sorted by points, descending), from one index range count:
 * rank = 1 + the fans with more points. Fans ahead of the page's first fan are counted in Postgres (those with
 * more points, and those with as many, which may sit on earlier pages); fans ahead of a later one are those
 * plus the page's own fans before it with fewer points than the first. A correlated count per row would be
 * planned as a scan of the rollup per row (the planner cannot estimate `points > outer.points`).
 */
async function withRanks<R extends { points: number }>(
  db: Database,
  rows: R[],
  rollup: { table: RollupTable; where: SQL | undefined },
): Promise<(R & { rank: number })[]> {
  const first = rows[0];
  if (!first) return [];
  const [counts] = await db
    .select({
      above: sql<number>`count(*) filter (where ${rollup.table.points} > ${first.points})::int`,
      atOrAbove: sql<number>`count(*)::int`,
    })
    .from(rollup.table)
    .where(and(rollup.where, gte(rollup.table.points, first.points)));
  return rows.map((row, i) => {
    if (row.points === first.points) return { ...row, rank: counts!.above + 1 };
    const between = rows.slice(0, i).filter((r) => r.points > row.points && r.points < first.points).length;
    return { ...row, rank: counts!.atOrAbove + between + 1 };
  });
}
