/**
 * The leaderboards' rollups of fan_scores: fan_totals (all time) and fan_period_totals (per UTC calendar week,
 * month and year of the show's start), and the same two per artist for the artists' boards (fan_artist_totals,
 * fan_artist_period_totals). All are derived data: finalisation recomputes the rows of the fans it scored from
 * fan_scores (never adds to them, so finalising again changes nothing), and `rebuildLeaderboardRollups`
 * recomputes every row from fan_scores (an operator's repair, idempotent).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { PrimaryDatabase } from '../db/client';
import type { LeaderboardPeriod } from '../schemas/scoring';

export type RollupPeriod = Exclude<LeaderboardPeriod, 'all'>;
export const ROLLUP_PERIODS: readonly RollupPeriod[] = ['week', 'month', 'year'];

/** `{a,b}`: one array parameter (drizzle would expand a JS array into one parameter per element). */
const pgArray = (values: Iterable<string>) => `{${[...values].join(',')}}`;

/**
 * The first day of the UTC calendar period holding `at` (ISO weeks start on Monday), as Postgres computes it: the
 * one definition of a period, used to fill the rollup and to read it.
 */
export const periodStartSql = (period: SQL | RollupPeriod, at: SQL): SQL =>
  sql`date_trunc(${period}, ${at} at time zone 'UTC')::date`;

/** Rows a statement wrote: `rowCount` (Neon, node-postgres) or `affectedRows` (PGlite, for the scripts). */
const affected = (result: unknown) =>
  (result as { rowCount?: number | null }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0;

type Transaction = Parameters<Parameters<PrimaryDatabase['transaction']>[0]>[0];

/**
 * Recomputes the leaderboard rollups of the given fans from fan_scores, after a show's scores were replaced:
 * fan_totals, their fan_period_totals rows of the periods holding `startsAt` (the show's start now and, when it
 * moved since it was last scored, before), and the same rows per artist of `artistIds` (the show's artist now
 * and, when it changed, before). Rows are locked in user id order through fan_totals first: two shows finalised
 * at once that share fans wait for each other (never deadlock), and the second one's sums, read after the first
 * committed, include the first one's scores. Call inside the transaction that wrote fan_scores.
 */
export async function refreshFanRollups(
  tx: Transaction,
  userIds: string[],
  startsAt: Date[],
  artistIds: string[],
): Promise<void> {
  if (!userIds.length) return;
  const ids = pgArray([...new Set(userIds)].sort());
  const artists = pgArray(new Set(artistIds));
  await tx.execute(
    sql`insert into fan_totals (user_id) select id from unnest(${ids}::uuid[]) as t(id) order by id on conflict do nothing`,
  );
  await tx.execute(sql`select user_id from fan_totals where user_id = any(${ids}::uuid[]) order by user_id for update`);
  await tx.execute(sql`
    update fan_totals t set points = s.points, shows = s.shows, songs_hit = s.songs_hit, updated_at = now()
    from (
      select u.id, coalesce(sum(f.points), 0)::int as points, count(f.show_id)::int as shows, coalesce(sum(f.songs_hit), 0)::int as songs_hit
      from unnest(${ids}::uuid[]) as u(id) left join fan_scores f on f.user_id = u.id
      group by u.id
    ) s
    where t.user_id = s.id`);

  const moments = pgArray(new Set(startsAt.map((d) => d.toISOString())));
  const periods = sql`(
    select distinct p.period, ${periodStartSql(sql`p.period`, sql`m.at`)} as period_start
    from unnest(${pgArray(ROLLUP_PERIODS)}::text[]) as p(period) cross join unnest(${moments}::timestamptz[]) as m(at)
  )`;
  await tx.execute(sql`
    delete from fan_period_totals t using ${periods} k
    where t.period = k.period and t.period_start = k.period_start and t.user_id = any(${ids}::uuid[])`);
  // Through fan_scores_user_idx: each fan's own scores, bucketed by the same expression as the rebuild.
  await tx.execute(sql`
    insert into fan_period_totals (period, period_start, user_id, points, shows, songs_hit)
    select k.period, k.period_start, f.user_id, sum(f.points)::int, count(*)::int, sum(f.songs_hit)::int
    from ${periods} k
    join fan_scores f on f.user_id = any(${ids}::uuid[])
      and ${periodStartSql(sql`k.period`, sql`f.show_starts_at`)} = k.period_start
    group by k.period, k.period_start, f.user_id`);

  // The artists' boards, from the same rows: only the fans' own scores are read (fan_scores_user_idx or
  // fan_scores_artist_idx, as the planner likes), and only the rows of the show's artists are replaced.
  const mine = sql`f.artist_id = any(${artists}::uuid[]) and f.user_id = any(${ids}::uuid[])`;
  await tx.execute(sql`
    delete from fan_artist_totals t where t.artist_id = any(${artists}::uuid[]) and t.user_id = any(${ids}::uuid[])`);
  await tx.execute(sql`
    insert into fan_artist_totals (artist_id, user_id, points, shows, songs_hit)
    select f.artist_id, f.user_id, sum(f.points)::int, count(*)::int, sum(f.songs_hit)::int
    from fan_scores f where ${mine}
    group by f.artist_id, f.user_id`);
  await tx.execute(sql`
    delete from fan_artist_period_totals t using ${periods} k
    where t.artist_id = any(${artists}::uuid[]) and t.period = k.period and t.period_start = k.period_start
      and t.user_id = any(${ids}::uuid[])`);
  await tx.execute(sql`
    insert into fan_artist_period_totals (artist_id, period, period_start, user_id, points, shows, songs_hit)
    select f.artist_id, k.period, k.period_start, f.user_id, sum(f.points)::int, count(*)::int, sum(f.songs_hit)::int
    from ${periods} k
    join fan_scores f on ${mine} and ${periodStartSql(sql`k.period`, sql`f.show_starts_at`)} = k.period_start
    group by f.artist_id, k.period, k.period_start, f.user_id`);
}

export interface RebuildOutcome {
  /** fan_totals rows written (changed or new), and zeroed (their fan has no score left). */
  totalsUpdated: number;
  totalsZeroed: number;
  /** fan_period_totals rows after the rebuild. */
  periodRows: number;
  /** fan_artist_totals and fan_artist_period_totals rows after the rebuild (the artists' boards). */
  artistRows: number;
}

/**
 * Recomputes every rollup from fan_scores, in one transaction: what an operator runs after fixing fan_scores by
 * hand, or to check that finalisation kept them (a second run changes no fan_totals row). The tables are locked
 * against writers (readers go on) in the order finalisation takes them, so a show finalised meanwhile waits and
 * then recomputes its own fans on top of the rebuilt rows.
 */
export async function rebuildLeaderboardRollups(db: PrimaryDatabase): Promise<RebuildOutcome> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`lock table fan_totals in share row exclusive mode`);
    await tx.execute(sql`lock table fan_period_totals in share row exclusive mode`);
    await tx.execute(sql`lock table fan_artist_totals in share row exclusive mode`);
    await tx.execute(sql`lock table fan_artist_period_totals in share row exclusive mode`);
    const updated = await tx.execute(sql`
      insert into fan_totals (user_id, points, shows, songs_hit)
      select user_id, sum(points)::int, count(*)::int, sum(songs_hit)::int from fan_scores group by user_id
      on conflict (user_id) do update set points = excluded.points, shows = excluded.shows,
        songs_hit = excluded.songs_hit, updated_at = now()
      where (fan_totals.points, fan_totals.shows, fan_totals.songs_hit)
        is distinct from (excluded.points, excluded.shows, excluded.songs_hit)`);
    const zeroed = await tx.execute(sql`
      update fan_totals t set points = 0, shows = 0, songs_hit = 0, updated_at = now()
      where t.shows > 0 and not exists (select 1 from fan_scores f where f.user_id = t.user_id)`);
    await tx.execute(sql`delete from fan_period_totals`);
    const inserted = await tx.execute(sql`
      insert into fan_period_totals (period, period_start, user_id, points, shows, songs_hit)
      select p.period, ${periodStartSql(sql`p.period`, sql`f.show_starts_at`)}, f.user_id,
        sum(f.points)::int, count(*)::int, sum(f.songs_hit)::int
      from fan_scores f cross join unnest(${pgArray(ROLLUP_PERIODS)}::text[]) as p(period)
      group by 1, 2, 3`);
    await tx.execute(sql`delete from fan_artist_totals`);
    const artistAll = await tx.execute(sql`
      insert into fan_artist_totals (artist_id, user_id, points, shows, songs_hit)
      select artist_id, user_id, sum(points)::int, count(*)::int, sum(songs_hit)::int from fan_scores group by 1, 2`);
    await tx.execute(sql`delete from fan_artist_period_totals`);
    const artistPeriods = await tx.execute(sql`
      insert into fan_artist_period_totals (artist_id, period, period_start, user_id, points, shows, songs_hit)
      select f.artist_id, p.period, ${periodStartSql(sql`p.period`, sql`f.show_starts_at`)}, f.user_id,
        sum(f.points)::int, count(*)::int, sum(f.songs_hit)::int
      from fan_scores f cross join unnest(${pgArray(ROLLUP_PERIODS)}::text[]) as p(period)
      group by 1, 2, 3, 4`);
    return {
      totalsUpdated: affected(updated),
      totalsZeroed: affected(zeroed),
      periodRows: affected(inserted),
      artistRows: affected(artistAll) + affected(artistPeriods),
    };
  });
}
