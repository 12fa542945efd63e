import { openDatabase } from '#shared/db/client';
import { refreshForecasts } from '#shared/forecast/refresh';
import { createLogger, parseLogLevel } from '#shared/log';
import { refreshArtistSimilarity } from '#shared/recommend/similarity';
import { evaluateAlerts } from './alerts/job';
import { ANOMALY_CRON, detectAnomalies } from './analytics/anomalies';
import { maintainAnalytics } from './analytics/maintenance';
import { createApp } from './app';
import { deleteExpiredSessions } from './auth/sessions';
import { warmCache } from './cache/warm';
import { NOTIFICATIONS_CRON, runNotificationCron } from './notifications/cron';
import { databaseBreaker } from './resilience/database-breaker';
import { recomputeTrending, TRENDING_CRON } from './trending/recompute';

export { RateLimiter } from './rate-limit/rate-limiter';

const app = createApp();

export default {
  fetch: app.fetch,

  /**
   * Cron jobs, dispatched on the expression (wrangler.toml [triggers] crons): the trending recompute every
   * 10 minutes, followed by the show forecasts and the cache warming (cache/warm.ts), notification triggers every
   * 5 minutes (notifications/cron.ts), the vote anomaly detector every minute, and hourly housekeeping otherwise
   * (sessions, analytics partitions, retention and rollups, and the artist similarity refresh, docs/ml.md). Each job is
   * idempotent, so a missed or doubled run is harmless.
   */
  async scheduled(controller, env, ctx) {
    const log = createLogger({ service: 'api', cron: controller.cron }, { level: parseLogLevel(env.LOG_LEVEL) });
    const { db, close } = openDatabase(env, (err) => log.warn('database pool error', { err }), {
      guard: databaseBreaker(env),
    });
    try {
      if (controller.cron === NOTIFICATIONS_CRON) {
        const result = await runNotificationCron(db.$primary, env.NOTIFICATIONS);
        log.info('notification triggers', { ...result });
      } else if (controller.cron === TRENDING_CRON) {
        const result = await recomputeTrending(db);
        log.info('trending recomputed', { ...result });
        // Forecasts must never fail the recompute (nor the warming): a failed run is logged, the next one retries.
        try {
          log.info('show forecasts refreshed', { ...(await refreshForecasts(db.$primary)) });
        } catch (err) {
          log.warn('show forecast refresh failed', { err });
        }
        // Warming must never fail the recompute: a failed run is logged, the next one tries again.
        if (!env.PUBLIC_API_ORIGIN) log.info('cache warming skipped: PUBLIC_API_ORIGIN is not set');
        else {
          try {
            const warmed = await warmCache({
              origin: env.PUBLIC_API_ORIGIN,
              fetch: async (request) => app.fetch(request, env, ctx),
              db,
              log,
            });
            log.info('cache warmed', { ...warmed });
          } catch (err) {
            log.warn('cache warming failed', { err });
          }
        }
      } else if (controller.cron === ANOMALY_CRON) {
        // First: it must run while Postgres is down (the anomaly detector below then throws).
        log.info('alerts evaluated', {
          ...(await evaluateAlerts({ db, env, now: new Date(controller.scheduledTime), log })),
        });
        const result = await detectAnomalies(db, new Date(controller.scheduledTime));
        if (result.flagged) log.warn('vote anomalies flagged', { ...result });
      } else {
        const removed = await deleteExpiredSessions(db);
        log.info('expired sessions removed', { removed });
        // Its own failure must not hide the sessions cleanup above, and vice versa: both are idempotent.
        try {
          log.info('analytics maintained', {
            ...(await maintainAnalytics(db, env, new Date(controller.scheduledTime))),
          });
        } catch (err) {
          log.warn('analytics maintenance failed', { err });
        }
        // Hourly: the similarity behind similar artists and recommendations (~40 s at 10k artists, docs/ml.md).
        try {
          log.info('artist similarity refreshed', { ...(await refreshArtistSimilarity(db.$primary)) });
        } catch (err) {
          log.warn('artist similarity refresh failed', { err });
        }
      }
    } finally {
      ctx.waitUntil(close());
    }
  },
} satisfies ExportedHandler<Env>;
