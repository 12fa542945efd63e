/**
 * Hourly and daily rollups of analytics_events: events and distinct users per bucket, kind and show (the nil
 * uuid for events without a show). Each run recomputes whole buckets from the raw events and upserts them, so a
 * run repeated, late or overlapping the previous one gives the same rows (idempotent). The hourly cron
 * recomputes the last HOURLY_LOOKBACK_HOURS hours and the current and previous UTC day. See docs/analytics.md.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { DAY_MS, HOUR_MS } from '#shared/time';

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
export const HOURLY_LOOKBACK_HOURS = 3;

export async function rollupHourly(db: Database, from: Date, to: Date): Promise<number> {
  const { rowCount } = await db.$primary.execute(sql`
    insert into analytics_rollup_hourly (bucket, kind, show_id, events, users, computed_at)
    select date_trunc('hour', at at time zone 'UTC') at time zone 'UTC', kind, coalesce(show_id, ${NIL_UUID}::uuid),
           count(*)::int, count(distinct user_id)::int, now()
    from analytics_events
    where at >= date_trunc('hour', ${from.toISOString()}::timestamptz at time zone 'UTC') at time zone 'UTC' and at < ${to.toISOString()}::timestamptz
    group by 1, 2, 3
    on conflict (bucket, kind, show_id) do update set events = excluded.events, users = excluded.users, computed_at = excluded.computed_at`);
  return rowCount ?? 0;
}

export async function rollupDaily(db: Database, from: Date, to: Date): Promise<number> {
  const { rowCount } = await db.$primary.execute(sql`
    insert into analytics_rollup_daily (day, kind, show_id, events, users, computed_at)
    select (at at time zone 'UTC')::date, kind, coalesce(show_id, ${NIL_UUID}::uuid), count(*)::int, count(distinct user_id)::int, now()
    from analytics_events
    where at >= date_trunc('day', ${from.toISOString()}::timestamptz at time zone 'UTC') at time zone 'UTC' and at < ${to.toISOString()}::timestamptz
    group by 1, 2, 3
    on conflict (day, kind, show_id) do update set events = excluded.events, users = excluded.users, computed_at = excluded.computed_at`);
  return rowCount ?? 0;
}

/** The hourly cron's rollup run. */
export async function rollupRecent(db: Database, now: Date): Promise<{ hourly: number; daily: number }> {
  const hourly = await rollupHourly(db, new Date(now.getTime() - HOURLY_LOOKBACK_HOURS * HOUR_MS), now);
  const daily = await rollupDaily(db, new Date(now.getTime() - DAY_MS), now);
  return { hourly, daily };
}
