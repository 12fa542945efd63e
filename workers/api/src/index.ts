import { openDatabase } from '../../../src/shared/db/client';
import { createLogger, parseLogLevel } from '../../../src/shared/log';
import { createApp } from './app';
import { deleteExpiredSessions } from './auth/sessions';
import { warmCache } from './cache/warm';
import { runNotificationCron, NOTIFICATIONS_CRON } from './notifications/cron';
import { databaseBreaker } from './resilience/database-breaker';
import { recomputeTrending, TRENDING_CRON } from './trending/recompute';

export { RateLimiter } from './rate-limit/rate-limiter';

const app = createApp();

export default {
  fetch: app.fetch,

  /**
   * Cron jobs, dispatched on the expression (wrangler.toml [triggers] crons): the trending recompute every
   * 10 minutes, followed by the cache warming (cache/warm.ts), notification triggers every 5 minutes
   * (notifications/cron.ts), and hourly housekeeping otherwise. Each job is
   * idempotent, so a missed or doubled run is harmless.
   */
  async scheduled(controller, env, ctx) {
    const log = createLogger({ service: 'api', cron: controller.cron }, { level: parseLogLevel(env.LOG_LEVEL) });
    const { db, close } = openDatabase(env, (err) => log.warn('database pool error', { err }), { guard: databaseBreaker(env) });
    try {
      if (controller.cron === NOTIFICATIONS_CRON) {
        const result = await runNotificationCron(db.$primary, env.NOTIFICATIONS);
        log.info('notification triggers', { ...result });
      } else if (controller.cron === TRENDING_CRON) {
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
      } else {
        const removed = await deleteExpiredSessions(db);
        log.info('expired sessions removed', { removed });
      }
    } finally {
      ctx.waitUntil(close());
    }
  },
} satisfies ExportedHandler<Env>;
