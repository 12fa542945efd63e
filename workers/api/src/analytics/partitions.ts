/**
 * Monthly RANGE partitions of analytics_events (migration *_analytics_custom.sql creates the table, its DEFAULT
 * partition and the first months). The hourly cron keeps `ANALYTICS_PARTITIONS_AHEAD` months ready beyond the
 * current one and detaches and drops the months past `ANALYTICS_RETENTION_MONTHS`. See docs/analytics.md.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';

const PARENT = 'analytics_events';
const DEFAULT_PARTITION = 'analytics_events_default';
const NAME = /^analytics_events_p(\d{4})_(\d{2})$/;

/** The first instant of the UTC month `offset` months from `at`'s. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

export function partitionName(month: Date): string {
  return `analytics_events_p${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month partitions that exist, with the month each holds. */
export async function listPartitions(db: Database): Promise<{ name: string; month: Date }[]> {
  const { rows } = await db.$primary.execute<{ name: string }>(sql`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = ${PARENT} order by 1`);
  return rows.flatMap((r) => {
    const m = NAME.exec(r.name);
    return m ? [{ name: r.name, month: new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)) }] : [];
  });
}

/**
 * Creates the partitions of the current month and `monthsAhead` following ones that are missing. A month's
 * rows that went to the DEFAULT partition meanwhile are moved into the new partition in the same transaction
 * (Postgres refuses to attach a range the default partition holds rows of), so no event is lost or stranded.
 */
export async function ensurePartitions(db: Database, now: Date, monthsAhead: number): Promise<string[]> {
  const existing = new Set((await listPartitions(db)).map((p) => p.name));
  const created: string[] = [];
  for (let i = 0; i <= monthsAhead; i++) {
    const from = monthStart(now, i);
    const to = monthStart(now, i + 1);
    const name = partitionName(from);
    if (existing.has(name)) continue;
    await db.$primary.transaction(async (tx) => {
      const table = sql.identifier(name);
      await tx.execute(
        sql`create table if not exists ${table} (like ${sql.identifier(PARENT)} including defaults including constraints)`,
      );
      await tx.execute(sql`
        with moved as (delete from ${sql.identifier(DEFAULT_PARTITION)} where at >= ${from.toISOString()}::timestamptz and at < ${to.toISOString()}::timestamptz returning *)
        insert into ${table} select * from moved`);
      await tx.execute(
        sql.raw(
          `alter table ${PARENT} attach partition "${name}" for values from ('${from.toISOString()}') to ('${to.toISOString()}')`,
        ),
      );
    });
    created.push(name);
  }
  return created;
}

/**
 * Detaches and drops every month partition whose month ended more than `retentionMonths` months before the
 * current month began (and the default partition's rows that old). 0 keeps everything. The rollups keep the
 * aggregates of dropped months. Dropping rather than keeping detached tables: a detached table still costs
 * storage and is invisible to every query, so it would only be a slower way to drop.
 */
export async function dropExpiredPartitions(db: Database, now: Date, retentionMonths: number): Promise<string[]> {
  if (!(retentionMonths > 0)) return [];
  const cutoff = monthStart(now, -retentionMonths);
  const dropped: string[] = [];
  for (const p of await listPartitions(db)) {
    if (monthStart(p.month, 1).getTime() > cutoff.getTime()) continue;
    await db.$primary.execute(sql.raw(`alter table ${PARENT} detach partition "${p.name}"`));
    await db.$primary.execute(sql.raw(`drop table "${p.name}"`));
    dropped.push(p.name);
  }
  await db.$primary.execute(
    sql`delete from ${sql.identifier(DEFAULT_PARTITION)} where at < ${cutoff.toISOString()}::timestamptz`,
  );
  return dropped;
}
