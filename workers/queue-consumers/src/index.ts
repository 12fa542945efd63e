import { openHttpSql } from '../../../src/shared/db/client';
import { createLogger, parseLogLevel } from '../../../src/shared/log';
import { consumeAnalytics } from './consumers/analytics';
import { recordDeadLetters } from './consumers/dead-letters';
import { consumeNotifications } from './consumers/notifications';
import { consumeVoteEvents } from './consumers/vote-events';
import { notificationConfig } from './notifications/config';
import { recordQueueLag } from './consumers/queue-lag';
import { backoffSeconds, type ConsumerDeps } from './consumers/retry-policy';

export const QUEUES = {
  voteEvents: 'mysetlist-vote-events',
  notifications: 'mysetlist-notifications',
  analytics: 'mysetlist-analytics',
} as const;

const DLQ_SUFFIX = '-dlq';

export default {
  /** Not publicly routed (workers_dev = false); answers only so that a misrouted request is obvious. */
  fetch: () => Response.json({ error: { code: 'not_found', message: 'The queue consumers have no HTTP API.' } }, { status: 404 }),

  async queue(batch, env, ctx) {
    const receivedAt = Date.now();
    const log = createLogger({ service: 'queue-consumers', queue: batch.queue, batchSize: batch.messages.length }, { level: parseLogLevel(env.LOG_LEVEL) });
    const retryBase = Number(env.RETRY_DELAY_BASE_SECONDS);
    const deps: ConsumerDeps = {
      sql: openHttpSql(env),
      log,
      retryDelaySeconds: (attempts) => backoffSeconds(attempts, Number.isFinite(retryBase) ? retryBase : 1),
    };
    // Queue lag per queue, for GET /v1/admin/metrics; beside the batch's own work, never in its way.
    ctx.waitUntil(recordQueueLag(batch, receivedAt, deps));
    if (batch.queue.endsWith(DLQ_SUFFIX)) return recordDeadLetters(batch, batch.queue.slice(0, -DLQ_SUFFIX.length), deps);
    switch (batch.queue) {
      case QUEUES.voteEvents:
        return consumeVoteEvents(batch, { ...deps, notifications: env.NOTIFICATIONS }, env.ANALYTICS_ENGINE);
      case QUEUES.notifications:
        return consumeNotifications(batch, { ...deps, queue: env.NOTIFICATIONS, config: notificationConfig(env), fetch: (input, init) => fetch(input, init) });
      case QUEUES.analytics:
        return consumeAnalytics(batch, deps, env.ANALYTICS_ENGINE);
      default:
        log.error('message from an unknown queue; retrying so it reaches a dead-letter queue');
        batch.retryAll();
    }
  },
} satisfies ExportedHandler<Env>;
