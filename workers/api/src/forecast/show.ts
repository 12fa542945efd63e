/** One show's forecast computed now from its current features (GET /v1/shows/{showId}/forecast). */
import { sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import type { ShowForecast } from '#shared/schemas/ml';
import { readReplica } from '../catalog/common';
import { readShowFeatures } from './features';
import { forecastOf } from './refresh';

/** Undefined when there is no such show. */
export async function showForecastNow(db: Database, showId: string, now: Date): Promise<ShowForecast | undefined> {
  const [row] = await readShowFeatures(readReplica(db), sql`s.id = ${showId}`, now);
  if (!row) return undefined;
  const forecast = forecastOf(row, now);
  return {
    showId: forecast.showId,
    predictedVotes: forecast.predictedVotes,
    predictedVotesPerMinute: forecast.predictedVotesPerMinute,
    variant: forecast.variant,
    modelVersion: forecast.modelVersion,
    features: forecast.features,
    computedAt: now.toISOString(),
  };
}
