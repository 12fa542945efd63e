import { openDatabase } from '../../../src/shared/db/client';
import { createLogger, parseLogLevel } from '../../../src/shared/log';
import { createApp } from './app';
import { deleteExpiredSessions } from './auth/sessions';

export { RateLimiter } from './rate-limit/rate-limiter';

const app = createApp();

export default {
  fetch: app.fetch,

  /** Hourly housekeeping. Each job is idempotent, so a missed or doubled run is harmless. */
  async scheduled(controller, env, ctx) {
    const log = createLogger({ service: 'api', cron: controller.cron }, { level: parseLogLevel(env.LOG_LEVEL) });
    const { db, close } = openDatabase(env, (err) => log.warn('database pool error', { err }));
    try {
      const removed = await deleteExpiredSessions(db);
      log.info('expired sessions removed', { removed });
    } finally {
      ctx.waitUntil(close());
    }
  },
} satisfies ExportedHandler<Env>;
