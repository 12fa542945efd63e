import type { ConsumerDeps } from './retry-policy';

const RECORD_DEAD_LETTERS = `
insert into dead_letters (queue, message_id, body, attempts)
select * from unnest($1::text[], $2::text[], $3::jsonb[], $4::int[])
on conflict (queue, message_id) do nothing`;

/** A dead letter waits at least this long between attempts, so that its retry budget outlasts an outage. */
const MIN_RETRY_DELAY_SECONDS = 1;

/**
 * A dead-letter queue's consumer: it keeps every dead letter in Postgres, where operators can read it
 * and `npm run dlq:replay` can send it back to its source queue once the cause is fixed.
 *
 * A dead-letter queue has no dead-letter queue of its own: a message it gives up on is deleted. So this
 * consumer never throws (a thrown batch spends a retry without a delay); while Postgres cannot take the
 * letters, each is retried with backoff (capped at 5 minutes), and wrangler.toml gives these consumers the
 * largest retry budget Queues allows (100 attempts: hours of outage). Past that, the vote events are still
 * not lost: the room keeps every event until it sees it in Postgres (workers/realtime/src/room/reconcile.ts).
 */
export async function recordDeadLetters(
  batch: MessageBatch<unknown>,
  sourceQueue: string,
  { sql, log, retryDelaySeconds }: ConsumerDeps,
): Promise<void> {
  const messages = batch.messages;
  try {
    await sql.query(RECORD_DEAD_LETTERS, [
      messages.map(() => sourceQueue),
      messages.map((m) => m.id),
      messages.map((m) => JSON.stringify(m.body ?? null)),
      messages.map((m) => m.attempts),
    ]);
  } catch (err) {
    log.error('dead letters not recorded yet; retrying them', { err, queue: sourceQueue, count: messages.length });
    for (const m of messages)
      m.retry({ delaySeconds: Math.max(MIN_RETRY_DELAY_SECONDS, retryDelaySeconds(m.attempts)) });
    return;
  }
  batch.ackAll();
  log.warn('dead letters recorded', { queue: sourceQueue, count: messages.length });
}
