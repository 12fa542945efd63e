/**
 * Queue names: the one source of truth for the code; each wrangler.toml must repeat them in its
 * `[[queues.producers]]` / `[[queues.consumers]]` (test/node/wrangler-config.test.ts checks that they agree).
 */
export const QUEUES = {
  voteEvents: 'mysetlist-vote-events',
  notifications: 'mysetlist-notifications',
  analytics: 'mysetlist-analytics',
  imports: 'mysetlist-imports',
  alerts: 'mysetlist-alerts',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** A queue's dead letters go to the queue of the same name with this suffix. */
export const DLQ_SUFFIX = '-dlq';

export const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUES);
