import { WorkerEntrypoint } from 'cloudflare:workers';
import { runCron } from '#shared/cron/run';
import { openDatabase } from '#shared/db/client';
import { createLogger, parseLogLevel } from '#shared/log';
import { createApp } from './app';
import { API_CRON_JOBS } from './cron/jobs';
import { withEarlyRefusal } from './rate-limit/early-refusal';
import { databaseBreaker } from './resilience/database-breaker';

export { RateLimiter } from './rate-limit/rate-limiter';

const app = createApp();

/** Cron jobs: the table of cron → jobs in cron/jobs.ts, run by the one runner (#shared/cron/run). */
async function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const log = createLogger({ service: 'api', cron: controller.cron }, { level: parseLogLevel(env.LOG_LEVEL) });
  const { db, close } = openDatabase(env, (err) => log.warn('database pool error', { err }), {
    guard: databaseBreaker(env),
  });
  try {
    await runCron(
      API_CRON_JOBS,
      controller.cron,
      {
        db,
        env,
        log,
        scheduledTime: new Date(controller.scheduledTime),
        fetch: async (request) => app.fetch(request, env, ctx),
      },
      log,
    );
  } finally {
    ctx.waitUntil(close());
  }
}

// A client already refused in this isolate is answered before the app runs (rate-limit/early-refusal.ts).
export default { fetch: withEarlyRefusal(app.fetch), scheduled } satisfies ExportedHandler<Env>;

/**
 * The same cron jobs behind a named entrypoint, for `npm run dev` only: wrangler's local runtime cannot reach the
 * default export's scheduled() of a worker with static assets (scripts/dev-gateway/wrangler.toml says why), but a
 * service binding to a named entrypoint can. Production's Cron Triggers call the default export.
 */
export class DevCronTrigger extends WorkerEntrypoint<Env> {
  override async scheduled(controller: ScheduledController): Promise<void> {
    await scheduled(controller, this.env, this.ctx);
  }
}
