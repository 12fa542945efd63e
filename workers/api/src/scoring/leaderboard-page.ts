import { and, asc, desc, eq, gt, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '#shared/db/client';
import { fanPeriodTotals, fanScores, fanTotals, users } from '#shared/db/schema';
import type { LeaderboardEntry, LeaderboardQuery } from '#shared/schemas/scoring';
import { periodRangeSql, periodStartSql } from '#shared/scoring/rollups';
import { cursorKeys, decodeSortedCursor, encodeCursor } from '../http/pagination';

type Row = { userId: string; points: number; shows: number; songsHit: number };

/**
 * Fans ranked by the points they earned, most first, ties by user id. Periods are UTC calendar periods of the
 * show's start (the week from Monday, the month, the year holding `now`), or all time. Cursor: { s: period,
 * k: points of the last fan served, id: their user id }. Plans (docs/scoring.md, scripts/explain/leaderboard-plans.ts):
 * - all artists: a rollup kept by finalisation (src/shared/scoring/rollups.ts), walked in rank order — fan_totals
 *   (fan_totals_rank_idx) for all time, the period's fan_period_totals rows (fan_period_totals_rank_idx) for a
 *   week, month or year; the rank is 1 + the fans with more points, an index range count.
 * - an artist: a range on fan_scores_artist_idx (artist_id, user_id) summed per fan and ranked with rank(); the
 *   page is cut before users are joined, so only its fans are looked up.
 */
export async function leaderboardPage(db: Database, query: LeaderboardQuery, artistId?: string, now = new Date()) {
  const cursor = decodeSortedCursor(query.cursor, query.period, 'all', cursorKeys.int);
  const period = query.period;
  let page: (Row & { rank: number })[];
  if (!artistId) {
    const rollup =
      period === 'all'
        ? { table: fanTotals, points: fanTotals.points, userId: fanTotals.userId, where: gt(fanTotals.shows, 0) }
        : {
            table: fanPeriodTotals,
            points: fanPeriodTotals.points,
            userId: fanPeriodTotals.userId,
            where: and(
              eq(fanPeriodTotals.period, period),
              eq(fanPeriodTotals.periodStart, periodStartSql(period, sql`${now.toISOString()}::timestamptz`)),
            ),
          };
    const t = rollup.table;
    const rows: Row[] = await db
      .select({ userId: t.userId, points: t.points, shows: t.shows, songsHit: t.songsHit })
      .from(t)
      .where(
        and(
          rollup.where,
          cursor
            ? or(lt(rollup.points, cursor.key), and(eq(rollup.points, cursor.key), gt(rollup.userId, cursor.id)))
            : undefined,
        ),
      )
      .orderBy(desc(rollup.points), asc(rollup.userId))
      .limit(query.limit + 1);
    page = await withRanks(db, rows, rollup);
  } else {
    const range = period === 'all' ? undefined : periodRangeSql(period, now);
    const filters: (SQL | undefined)[] = [
      eq(fanScores.artistId, artistId),
      range ? sql`${fanScores.showStartsAt} >= ${range.start} and ${fanScores.showStartsAt} < ${range.end}` : undefined,
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
 * Competition ranks for a page of rollup rows (sorted by points, descending), from one index range count:
 * rank = 1 + the fans with more points. Fans ahead of the page's first fan are counted in Postgres (those with
 * more points, and those with as many, which may sit on earlier pages); fans ahead of a later one are those
 * plus the page's own fans before it with fewer points than the first. A correlated count per row would be
 * planned as a scan of the rollup per row (the planner cannot estimate `points > outer.points`).
 */
async function withRanks<R extends { points: number }>(
  db: Database,
  rows: R[],
  rollup: { table: typeof fanTotals | typeof fanPeriodTotals; points: PgColumn; where: SQL | undefined },
): Promise<(R & { rank: number })[]> {
  const first = rows[0];
  if (!first) return [];
  const [counts] = await db
    .select({
      above: sql<number>`count(*) filter (where ${rollup.points} > ${first.points})::int`,
      atOrAbove: sql<number>`count(*)::int`,
    })
    .from(rollup.table)
    .where(and(rollup.where, gte(rollup.points, first.points)));
  return rows.map((row, i) => {
    if (row.points === first.points) return { ...row, rank: counts!.above + 1 };
    const between = rows.slice(0, i).filter((r) => r.points > row.points && r.points < first.points).length;
    return { ...row, rank: counts!.atOrAbove + between + 1 };
  });
}
