/**
 * The leaderboard rollups (src/shared/scoring/rollups.ts) in tests: kept for fixtures written straight into
 * fan_scores, and compared with the sums they stand for.
 */
import { env } from 'cloudflare:workers';
import { openDatabase } from '#shared/db/client';
import { refreshFanRollups } from '#shared/scoring/rollups';
import { sql } from './support';

/** What finalisation does after writing fan_scores, for fixtures that wrote them directly. */
export async function refreshRollupsOf(userIds: string[], startsAt: Date[]): Promise<void> {
  const { db, close } = openDatabase(env);
  try {
    await db.$primary.transaction((tx) => refreshFanRollups(tx, userIds, startsAt));
  } finally {
    await close();
  }
}

export type PeriodRow = {
  period: string;
  period_start: string;
  user_id: string;
  points: number;
  shows: number;
  songs_hit: number;
};

/** The fans' fan_period_totals rows, in a stable order. */
export async function periodTotalsOf(userIds: string[]): Promise<PeriodRow[]> {
  return (await sql().query(
    `select period, period_start::text, user_id, points, shows, songs_hit from fan_period_totals
     where user_id = any($1::uuid[]) order by period, period_start, user_id`,
    [userIds],
  )) as PeriodRow[];
}

/**
 * The same rows summed from fan_scores on the spot, with the calendar periods written out independently of the
 * rollup's own expression (date_trunc in UTC: ISO weeks from Monday).
 */
export async function periodTotalsScan(userIds: string[]): Promise<PeriodRow[]> {
  return (await sql().query(
    `select p.period, (date_trunc(p.period, f.show_starts_at at time zone 'UTC'))::date::text as period_start,
       f.user_id, sum(f.points)::int as points, count(*)::int as shows, sum(f.songs_hit)::int as songs_hit
     from fan_scores f cross join (values ('week'), ('month'), ('year')) as p(period)
     where f.user_id = any($1::uuid[])
     group by 1, 2, 3 order by 1, 2, 3`,
    [userIds],
  )) as PeriodRow[];
}
