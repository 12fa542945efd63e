import type { Database } from '#shared/db/client';
import { dropExpiredPartitions, ensurePartitions } from './partitions';
import { rollupRecent } from './rollups';

/** The hourly analytics job: partitions ahead, rollups of the recent hours and days, then retention. */
export async function maintainAnalytics(
  db: Database,
  env: Pick<Env, 'ANALYTICS_PARTITIONS_AHEAD' | 'ANALYTICS_RETENTION_MONTHS'>,
  now: Date,
) {
  const ahead = Number(env.ANALYTICS_PARTITIONS_AHEAD);
  const retention = Number(env.ANALYTICS_RETENTION_MONTHS);
  const created = await ensurePartitions(db, now, Number.isInteger(ahead) && ahead >= 0 ? ahead : 2);
  // Rollups before retention, so the last hours of a month about to be dropped are summarised first.
  const rollups = await rollupRecent(db, now);
  const dropped = await dropExpiredPartitions(db, now, Number.isInteger(retention) ? retention : 13);
  return { created, dropped, ...rollups };
}
