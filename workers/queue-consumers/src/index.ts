import { runCron } from '#shared/cron/run';
import { openDatabase, openHttpSql } from '#shared/db/client';
import { createLogger, parseLogLevel } from '#shared/log';
import { DLQ_SUFFIX, QUEUES } from '#shared/queues';
import { recordHops } from '#shared/trace/record';
import { alertReceivers, consumeAlerts } from './consumers/alerts';
import { consumeAnalytics } from './consumers/analytics';
import { recordDeadLetters } from './consumers/dead-letters';
import { consumeImports } from './consumers/imports';
import { consumeNotifications } from './consumers/notifications';
import { recordQueueLag } from './consumers/queue-lag';
import { backoffSeconds, type ConsumerDeps } from './consumers/retry-policy';
import { consumeVoteEvents } from './consumers/vote-events';
import { INGEST_CRON_JOBS } from './cron/jobs';
import { notificationConfig } from './notifications/config';
import { euPushOf } from './notifications/eu-push';
import { euNotificationSettingsOf } from './notifications/eu-settings';

export { ProviderRateLimiter } from './provider-rate-limiter';

export default {
  /** Not publicly routed (workers_dev = false); answers only so that a misrouted request is obvious. */
  fetch: () =>
    Response.json({ error: { code: 'not_found', message: 'The queue consumers have no HTTP API.' } }, { status: 404 }),

  async queue(batch, env, ctx) {
    const receivedAt = Date.now();
    const log = createLogger(
      { service: 'queue-consumers', queue: batch.queue, batchSize: batch.messages.length },
      { level: parseLogLevel(env.LOG_LEVEL) },
    );
    const retryBase = Number(env.RETRY_DELAY_BASE_SECONDS);
    const deps: ConsumerDeps = {
      sql: openHttpSql(env),
      log,
      retryDelaySeconds: (attempts) => backoffSeconds(attempts, Number.isFinite(retryBase) ? retryBase : 1),
    };
    // Queue lag per queue, for GET /v1/admin/metrics; beside the batch's own work, never in its way.
    ctx.waitUntil(recordQueueLag(batch, receivedAt, deps));
    if (batch.queue.endsWith(DLQ_SUFFIX))
      return recordDeadLetters(batch, batch.queue.slice(0, -DLQ_SUFFIX.length), deps);
    switch (batch.queue) {
      case QUEUES.voteEvents:
        return consumeVoteEvents(
          batch,
          {
            ...deps,
            notifications: env.NOTIFICATIONS,
            receivedAt,
            recordHops: async (hops) => {
              const failures = await recordHops(env, hops, deps.sql);
              if (failures.length) throw failures[0];
            },
          },
          env.ANALYTICS_ENGINE,
        );
      case QUEUES.notifications:
        return consumeNotifications(batch, {
          ...deps,
          queue: env.NOTIFICATIONS,
          config: notificationConfig(env),
          fetch: (input, init) => fetch(input, init),
          ...(env.DATABASE_URL_EU ? euPersonalData(env) : {}),
        });
      case QUEUES.analytics:
        return consumeAnalytics(batch, deps, env.ANALYTICS_ENGINE);
      case QUEUES.imports:
        return consumeImports(batch, env, deps);
      case QUEUES.alerts:
        return consumeAlerts(batch, {
          ...deps,
          receivers: alertReceivers(env),
          fetch: (input, init) => fetch(input, init),
        });
      default:
        log.error('message from an unknown queue; retrying so it reaches a dead-letter queue');
        batch.retryAll();
    }
  },

  /** Ingestion cron jobs: the table of cron → jobs in cron/jobs.ts, run by the one runner (#shared/cron/run). */
  async scheduled(controller, env, ctx) {
    const log = createLogger(
      { service: 'queue-consumers', cron: controller.cron },
      { level: parseLogLevel(env.LOG_LEVEL) },
    );
    const handle = openDatabase(env, (err) => log.warn('database pool error', { err }));
    try {
      const context = {
        db: handle.db.$primary,
        imports: env.IMPORTS,
        scheduledTime: new Date(controller.scheduledTime),
      };
      await runCron(INGEST_CRON_JOBS, controller.cron, context, log);
    } finally {
      ctx.waitUntil(handle.close());
    }
  },
} satisfies ExportedHandler<Env>;

/** Where the notification pipeline reads EU fans' personal data: the EU database (per-fan residency). */
function euPersonalData(env: Env) {
  const eu = openHttpSql({ ...env, DATABASE_URL: env.DATABASE_URL_EU });
  return { euEmail: euEmailOf(env), euPush: euPushOf(eu), euSettings: euNotificationSettingsOf(eu) };
}

/** An EU fan's email address, read from the EU database where their account is kept (per-fan residency). */
function euEmailOf(env: Env): (userId: string) => Promise<string | null> {
  const eu = openHttpSql({ ...env, DATABASE_URL: env.DATABASE_URL_EU });
  return async (userId) => {
    const rows = (await eu`select email from users where id = ${userId} and deleted_at is null`) as { email: string }[];
    return rows[0]?.email ?? null;
  };
}
