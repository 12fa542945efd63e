import { openDatabase } from '../../../src/shared/db/client';
import { createLogger, parseLogLevel } from '../../../src/shared/log';
import { createApp } from './app';
import { deleteExpiredSessions } from './auth/sessions';
import { warmCache } from './cache/warm';
import { databaseBreaker } from './resilience/database-breaker';
import { recomputeTrending, TRENDING_CRON } from './trending/recompute';
import { ANOMALY_CRON, detectAnomalies } from './analytics/anomalies';
import { maintainAnalytics } from './analytics/maintenance';

export { RateLimiter } from './rate-limit/rate-limiter';

const app = createApp();

export default {
  fetch: app.fetch,

  /**
   * Cron jobs, dispatched on the expression (wrangler.toml [triggers] crons): the trending recompute every
   * 10 minutes, followed by the cache warming (cache/warm.ts), the vote anomaly detector every minute, and hourly
   * housekeeping otherwise (sessions, analytics partitions, retention and rollups). Each job is
   * idempotent, so a missed or doubled run is harmless.
   */
  async scheduled(controller, env, ctx) {
    const log = createLogger({ service: 'api', cron: controller.cron }, { level: parseLogLevel(env.LOG_LEVEL) });
    const { db, close } = openDatabase(env, (err) => log.warn('database pool error', { err }), { guard: databaseBreaker(env) });
    try {
      if (controller.cron === TRENDING_CRON) {
        const result = await recomputeTrending(db);
        log.info('trending recomputed', { ...result });
        // Warming must never fail the recompute: a failed run is logged, the next one tries again.
        if (!env.PUBLIC_API_ORIGIN) log.info('cache warming skipped: PUBLIC_API_ORIGIN is not set');
        else {
          try {
            const warmed = await warmCache({ origin: env.PUBLIC_API_ORIGIN, fetch: async (request) => app.fetch(request, env, ctx), db, log });
            log.info('cache warmed', { ...warmed });
          } catch (err) {
            log.warn('cache warming failed', { err });
          }
        }
      } else if (controller.cron === ANOMALY_CRON) {
        const result = await detectAnomalies(db, new Date(controller.scheduledTime));
        if (result.flagged) log.warn('vote anomalies flagged', { ...result });
      } else {
        const removed = await deleteExpiredSessions(db);
        log.info('expired sessions removed', { removed });
        // Its own failure must not hide the sessions cleanup above, and vice versa: both are idempotent.
        try {
          log.info('analytics maintained', { ...(await maintainAnalytics(db, env, new Date(controller.scheduledTime))) });
        } catch (err) {
          log.warn('analytics maintenance failed', { err });
        }
      }
    } finally {
      ctx.waitUntil(close());
    }
  },
} satisfies ExportedHandler<Env>;
