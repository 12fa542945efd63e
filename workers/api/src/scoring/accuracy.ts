/** A finalised show's accuracy (GET /v1/shows/{showId}/accuracy): its stored score and the fans' points. */
import { count, eq, sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { fanScores, showAccuracy } from '#shared/db/schema';
import type { PredictionDetail, ShowAccuracyView } from '#shared/schemas/scoring';

/** undefined until the show is finalised (or when there is no such show). */
export async function readShowAccuracy(db: Database, showId: string): Promise<ShowAccuracyView | undefined> {
  const [[row], [fans]] = await Promise.all([
    db.select().from(showAccuracy).where(eq(showAccuracy.showId, showId)),
    db
      .select({ n: count(), points: sql<number>`coalesce(sum(${fanScores.points}), 0)::int` })
      .from(fanScores)
      .where(eq(fanScores.showId, showId)),
  ]);
  if (!row) return undefined;
  const details = row.details as PredictionDetail & { hits: number };
  return {
    showId,
    topN: row.topN,
    hits: details.hits,
    played: details.played.length,
    precision: row.precision,
    recall: row.recall,
    positionBonus: row.positionBonus,
    score: row.score,
    fans: fans?.n ?? 0,
    pointsAwarded: fans?.points ?? 0,
    computedAt: row.computedAt.toISOString(),
    details: { predicted: details.predicted, played: details.played },
  };
}
