/** The vote anomalies the detector flagged (analytics/anomalies.ts), newest first, for the staff review. */
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { voteAnomalies } from '#shared/db/schema';
import type { AnomalyStatus, VoteAnomaly } from '#shared/schemas/admin-analytics';

export interface AnomalyFilter {
  status?: AnomalyStatus;
  showId?: string;
  limit: number;
}

/** Read from the primary (the list follows each review at once). */
export async function listAnomalies(db: Database, filter: AnomalyFilter): Promise<VoteAnomaly[]> {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(voteAnomalies.status, filter.status));
  if (filter.showId) where.push(eq(voteAnomalies.showId, filter.showId));
  const rows = await db.$primary
    .select()
    .from(voteAnomalies)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(voteAnomalies.detectedAt), desc(voteAnomalies.id))
    .limit(filter.limit);
  return rows.map(toAnomaly);
}

function toAnomaly(r: typeof voteAnomalies.$inferSelect): VoteAnomaly {
  return {
    id: r.id,
    showId: r.showId,
    rule: r.rule as VoteAnomaly['rule'],
    subject: r.subject,
    status: r.status as AnomalyStatus,
    windowStart: r.windowStart.toISOString(),
    windowEnd: r.windowEnd.toISOString(),
    votes: r.voteIds.length,
    voteIds: r.voteIds,
    evidence: r.evidence as Record<string, unknown>,
    detectedAt: r.detectedAt.toISOString(),
    reviewedBy: r.reviewedBy,
    reviewedAt: r.reviewedAt?.toISOString() ?? null,
  };
}
