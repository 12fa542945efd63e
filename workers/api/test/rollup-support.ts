/**
 * The leaderboard rollups (src/shared/scoring/rollups.ts) in tests: kept for fixtures written straight into
 * fan_scores, and compared with the sums they stand for.
 */
import { env } from 'cloudflare:workers';
import { openDatabase } from '#shared/db/client';
import { refreshFanRollups } from '#shared/scoring/rollups';
import { sql } from './support';

/** What finalisation does after writing fan_scores, for fixtures that wrote them directly. */
export async function refreshRollupsOf(userIds: string[], startsAt: Date[], artistIds: string[]): Promise<void> {
  const { db, close } = openDatabase(env);
  try {
    await db.$primary.transaction((tx) => refreshFanRollups(tx, userIds, startsAt, artistIds));
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

export type ArtistRow = PeriodRow & { artist_id: string };

/** The fans' rows of the artists' rollups: fan_artist_totals as period 'all' (no start), then fan_artist_period_totals. */
export async function artistTotalsOf(userIds: string[]): Promise<ArtistRow[]> {
  return (await sql().query(
    `select artist_id, 'all' as period, '' as period_start, user_id, points, shows, songs_hit from fan_artist_totals
     where user_id = any($1::uuid[])
     union all
     select artist_id, period, period_start::text, user_id, points, shows, songs_hit from fan_artist_period_totals
     where user_id = any($1::uuid[])
     order by 1, 2, 3, 4`,
    [userIds],
  )) as ArtistRow[];
}

/** The same rows summed from fan_scores on the spot (periods written out as in `periodTotalsScan`). */
export async function artistTotalsScan(userIds: string[]): Promise<ArtistRow[]> {
  return (await sql().query(
    `select artist_id, 'all' as period, '' as period_start, user_id, sum(points)::int as points,
       count(*)::int as shows, sum(songs_hit)::int as songs_hit
     from fan_scores where user_id = any($1::uuid[]) group by 1, 2, 3, 4
     union all
     select f.artist_id, p.period, (date_trunc(p.period, f.show_starts_at at time zone 'UTC'))::date::text,
       f.user_id, sum(f.points)::int, count(*)::int, sum(f.songs_hit)::int
     from fan_scores f cross join (values ('week'), ('month'), ('year')) as p(period)
     where f.user_id = any($1::uuid[])
     group by 1, 2, 3, 4
     order by 1, 2, 3, 4`,
    [userIds],
  )) as ArtistRow[];
}

/**
 * An artist's board as it was computed before the rollups: that artist's fan_scores in the period holding `now`
 * summed per fan and ranked with rank(), most points first, ties by user id. [rank, user id, points, shows,
 * songs hit] per fan.
 */
export async function artistBoardScan(
  artistId: string,
  period: 'all' | 'week' | 'month' | 'year',
  now: Date,
): Promise<[number, string, number, number, number][]> {
  const first = `date_trunc('${period}', $2::timestamptz at time zone 'UTC')`;
  const within =
    period === 'all'
      ? ''
      : `and show_starts_at >= (${first} at time zone 'UTC')
         and show_starts_at < ((${first} + interval '1 ${period}') at time zone 'UTC')`;
  const rows = (await sql().query(
    `select rank() over (order by sum(points) desc)::int as rank, user_id, sum(points)::int as points,
       count(*)::int as shows, sum(songs_hit)::int as songs_hit
     from fan_scores where artist_id = $1 and $2::timestamptz is not null ${within}
     group by user_id order by points desc, user_id`,
    [artistId, now.toISOString()],
  )) as { rank: number; user_id: string; points: number; shows: number; songs_hit: number }[];
  return rows.map((r) => [r.rank, r.user_id, r.points, r.shows, r.songs_hit]);
}
