/**
 * The api worker's cron jobs (wrangler.toml [triggers] crons, from #shared/cron/schedule): each cron's jobs run in
 * this order through the one runner (#shared/cron/run). Every job is idempotent, so a missed or doubled run is
 * harmless, and a failed one is retried by the next run.
 */

import type { CronTable } from '#shared/cron/run';
import { CRONS } from '#shared/cron/schedule';
import { type Database, openHttpDatabase } from '#shared/db/client';
import type { Logger } from '#shared/log';
import { evaluateAlerts } from '../alerts/job';
import { detectAnomalies } from '../analytics/anomalies';
import { maintainAnalytics } from '../analytics/maintenance';
import { deleteExpiredSessions } from '../auth/sessions';
import { warmCache } from '../cache/warm';
import { refreshForecasts } from '../forecast/refresh';
import { pruneRoomJoins } from '../live/room-sockets';
import { runNotificationCron } from '../notifications/cron';
import { refreshArtistSimilarity } from '../recommend/similarity';
import { recomputeTrending } from '../trending/recompute';

export interface ApiCronContext {
  db: Database;
  env: Env;
  log: Logger;
  scheduledTime: Date;
  /** The app itself, for the cache warming's requests. */
  fetch: (request: Request) => Promise<Response>;
}

const API = CRONS['mysetlist-api'];

export const API_CRON_JOBS: CronTable<ApiCronContext> = {
  [API.notifications]: [
    {
      name: 'notification triggers',
      run: async ({ db, env }) => ({ ...(await runNotificationCron(db.$primary, env.NOTIFICATIONS)) }),
    },
  ],
  [API.trending]: [
    { name: 'trending recompute', run: async ({ db }) => ({ ...(await recomputeTrending(db)) }) },
    // After the recompute, so forecasts and the warmed pages see this run's trending scores.
    { name: 'show forecasts', run: async ({ db }) => ({ ...(await refreshForecasts(db.$primary)) }) },
    {
      name: 'cache warming',
      run: async ({ db, env, log, fetch }) => {
        if (!env.PUBLIC_API_ORIGIN) return { skipped: 'PUBLIC_API_ORIGIN is not set' };
        return { ...(await warmCache({ origin: env.PUBLIC_API_ORIGIN, fetch, db, log })) };
      },
    },
  ],
  [API.anomalies]: [
    // First: alerts must be evaluated while Postgres is down, when the anomaly detector fails.
    {
      name: 'alerts',
      run: async ({ db, env, log, scheduledTime }) => ({
        ...(await evaluateAlerts({ db, env, now: scheduledTime, log })),
      }),
    },
    {
      name: 'vote anomalies',
      run: async ({ db, log, scheduledTime }) => {
        const result = await detectAnomalies(db, scheduledTime);
        if (result.flagged) log.warn('vote anomalies flagged', { ...result });
        return { ...result };
      },
    },
  ],
  [API.hourly]: [
    {
      name: 'expired sessions',
      run: async ({ db, env }) => ({
        removed: await deleteExpiredSessions(db.$primary),
        // EU fans' sessions are in the EU database of per-fan residency, when there is one.
        ...(env.DATABASE_URL_EU
          ? { removedEu: await deleteExpiredSessions(openHttpDatabase(env, { url: env.DATABASE_URL_EU })) }
          : {}),
      }),
    },
    {
      name: 'old live-room joins',
      run: async ({ db, env }) => ({ removed: await pruneRoomJoins(db, Number(env.SESSION_TTL_DAYS) || 30) }),
    },
    {
      name: 'analytics maintenance',
      run: async ({ db, env, scheduledTime }) => ({ ...(await maintainAnalytics(db, env, scheduledTime)) }),
    },
    // The similarity behind similar artists and recommendations (docs/ml.md).
    { name: 'artist similarity', run: async ({ db }) => ({ ...(await refreshArtistSimilarity(db.$primary)) }) },
  ],
};
