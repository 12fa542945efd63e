import { openHttpSql } from '../../../src/shared/db/client';
import { createLogger } from '../../../src/shared/log';
import { consumeAnalytics } from './consumers/analytics';
import { recordDeadLetters } from './consumers/dead-letters';
import { consumeNotifications } from './consumers/notifications';
import { consumeVoteEvents } from './consumers/vote-events';

export const QUEUES = {
  voteEvents: 'mysetlist-vote-events',
  notifications: 'mysetlist-notifications',
  analytics: 'mysetlist-analytics',
} as const;

const DLQ_SUFFIX = '-dlq';

export default {
  /** Not publicly routed (workers_dev = false); answers only so that a misrouted request is obvious. */
  fetch: () => Response.json({ error: { code: 'not_found', message: 'The queue consumers have no HTTP API.' } }, { status: 404 }),

  async queue(batch, env) {
    const log = createLogger({ service: 'queue-consumers', queue: batch.queue, batchSize: batch.messages.length });
    const sql = openHttpSql(env);
    if (batch.queue.endsWith(DLQ_SUFFIX)) return recordDeadLetters(batch, batch.queue.slice(0, -DLQ_SUFFIX.length), sql, log);
    switch (batch.queue) {
      case QUEUES.voteEvents:
        return consumeVoteEvents(batch, sql, log);
      case QUEUES.notifications:
        return consumeNotifications(batch, sql, log);
      case QUEUES.analytics:
        return consumeAnalytics(batch, sql, log);
      default:
        log.error('message from an unknown queue; retrying so it reaches a dead-letter queue');
        batch.retryAll();
    }
  },
} satisfies ExportedHandler<Env>;
