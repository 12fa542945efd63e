import type { ConsumerDeps } from './retry-policy';

const RECORD_DEAD_LETTERS = `
insert into dead_letters (queue, message_id, body, attempts)
select * from unnest($1::text[], $2::text[], $3::jsonb[], $4::int[])
on conflict (queue, message_id) do nothing`;

/**
 * A dead-letter queue's consumer: it keeps every dead letter in Postgres, where operators can read it
 * and `npm run dlq:replay` can send it back to its source queue once the cause is fixed.
 */
export async function recordDeadLetters(
  batch: MessageBatch<unknown>,
  sourceQueue: string,
  { sql, log }: ConsumerDeps,
): Promise<void> {
  const messages = batch.messages;
  await sql.query(RECORD_DEAD_LETTERS, [
    messages.map(() => sourceQueue),
    messages.map((m) => m.id),
    messages.map((m) => JSON.stringify(m.body ?? null)),
    messages.map((m) => m.attempts),
  ]);
  batch.ackAll();
  log.warn('dead letters recorded', { queue: sourceQueue, count: messages.length });
}
