/**
 * The forecast job (api worker cron, every 10 minutes): predicts the final vote count of every show whose
 * voting is not over yet and upserts it into `show_forecasts` with its features and the model version. Anomaly
 * detection reads `predicted_votes_per_minute` from there.
 */
import { sql } from 'drizzle-orm';
import { DAY_MS } from '#shared/time';
import type { SqlRunner } from '../db/sql-runner';
import { readShowFeatures, type ShowFeatureRow } from './features';
import { FORECAST_MODEL, type ForecastModel, type Prediction, predictVotes } from './model';

/** Rows per upsert statement (each row is ~8 parameters in arrays: one statement carries them all). */
const UPSERT_CHUNK = 1_000;

export interface ShowForecast extends Prediction {
  showId: string;
  /** predictedVotes spread evenly over the voting window (opens → closes), per minute. */
  predictedVotesPerMinute: number;
  modelVersion: string;
  features: ForecastFeatures;
}

/** What is stored and served as the forecast's `features`: the model's raw inputs plus the context. */
export interface ForecastFeatures {
  popularity: number;
  followers: number;
  venueCapacity: number | null;
  weekday: number;
  earlyVotes: number | null;
  daysToShow: number;
}

export function forecastOf(row: ShowFeatureRow, now: Date, model: ForecastModel = FORECAST_MODEL): ShowForecast {
  const prediction = predictVotes(model, row);
  const windowMinutes = Math.max(1, (row.votingClosesAt.getTime() - row.votingOpensAt.getTime()) / 60_000);
  return {
    showId: row.showId,
    ...prediction,
    predictedVotesPerMinute: prediction.predictedVotes / windowMinutes,
    modelVersion: model.version,
    features: {
      popularity: row.popularity,
      followers: row.followers,
      venueCapacity: row.venueCapacity,
      weekday: row.weekday,
      earlyVotes: row.earlyVotes,
      daysToShow: Math.round(((row.startsAt.getTime() - now.getTime()) / DAY_MS) * 100) / 100,
    },
  };
}

export interface ForecastRefreshResult {
  computedAt: string;
  forecasts: number;
  modelVersion: string;
}

/** Forecasts every upcoming or live show whose voting has not closed, as of `now`. */
export async function refreshForecasts(db: SqlRunner, now: Date = new Date()): Promise<ForecastRefreshResult> {
  const at = now.toISOString();
  const rows = await readShowFeatures(
    db,
    sql`s.status in ('upcoming', 'live') and s.voting_closes_at > ${at}::timestamptz`,
    now,
  );
  const forecasts = rows.map((row) => forecastOf(row, now));
  for (let i = 0; i < forecasts.length; i += UPSERT_CHUNK) {
    const chunk = forecasts.slice(i, i + UPSERT_CHUNK);
    await db.execute(sql`
      insert into show_forecasts (show_id, predicted_votes, predicted_votes_per_minute, model_version, features, computed_at)
      select t.show_id, t.predicted_votes, t.per_minute, t.model_version, t.features, ${at}::timestamptz
      from unnest(${sql.param(chunk.map((f) => f.showId))}::uuid[], ${sql.param(chunk.map((f) => f.predictedVotes))}::float8[],
                  ${sql.param(chunk.map((f) => f.predictedVotesPerMinute))}::float8[], ${sql.param(chunk.map((f) => f.modelVersion))}::text[],
                  ${sql.param(chunk.map((f) => JSON.stringify({ ...f.features, variant: f.variant })))}::jsonb[])
        as t(show_id, predicted_votes, per_minute, model_version, features)
      order by t.show_id
      on conflict (show_id) do update
        set predicted_votes = excluded.predicted_votes, predicted_votes_per_minute = excluded.predicted_votes_per_minute,
            model_version = excluded.model_version, features = excluded.features, computed_at = excluded.computed_at`);
  }
  return { computedAt: at, forecasts: forecasts.length, modelVersion: FORECAST_MODEL.version };
}
