import { desc, gte, ne, or } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { alerts } from '#shared/db/schema';
import type { Alert } from '#shared/schemas/alerts';
import { HOUR_MS } from '#shared/time';
import { toAlert } from '../alerts/lifecycle';

/** Active alerts (pending and firing, oldest first) and those resolved in the last `recentHours`, newest first. */
export async function listAlerts(
  db: Database,
  now: Date,
  recentHours: number,
  limit: number,
): Promise<{ active: Alert[]; recent: Alert[] }> {
  const since = new Date(now.getTime() - recentHours * HOUR_MS);
  const rows = await db.$primary
    .select()
    .from(alerts)
    .where(or(ne(alerts.state, 'resolved'), gte(alerts.resolvedAt, since)))
    .orderBy(desc(alerts.startedAt))
    .limit(limit + 500);
  const active = rows.filter((r) => r.state !== 'resolved').reverse();
  const recent = rows.filter((r) => r.state === 'resolved').slice(0, limit);
  return { active: active.map(toAlert), recent: recent.map(toAlert) };
}
