import { MINUTE_MS } from '#shared/time';
import type { ConsumerDeps } from './retry-policy';

// Per minute and queue, added in: each delivered batch adds its messages once per delivery attempt.
const UPSERT_QUEUE_LAG = `
insert into queue_lag (minute, queue, messages, lag_sum_ms, lag_max_ms)
values ($1::timestamptz, $2, $3, $4, $5)
on conflict (minute, queue) do update set
  messages = queue_lag.messages + excluded.messages,
  lag_sum_ms = queue_lag.lag_sum_ms + excluded.lag_sum_ms,
  lag_max_ms = greatest(queue_lag.lag_max_ms, excluded.lag_max_ms)`;

/** Lag of each message: when the batch reached the consumer minus when the message was enqueued. */
export function batchLag(
  batch: Pick<MessageBatch<unknown>, 'messages'>,
  receivedAt: number,
): { messages: number; sumMs: number; maxMs: number } {
  let sumMs = 0;
  let maxMs = 0;
  for (const m of batch.messages) {
    const lag = Math.max(0, receivedAt - m.timestamp.getTime());
    sumMs += lag;
    maxMs = Math.max(maxMs, lag);
  }
  return { messages: batch.messages.length, sumMs, maxMs };
}

/**
 * Records a batch's queue lag (one statement per batch, run beside the consumer via waitUntil). A failure is
 * logged, never retried: it must not hold the batch's own work back.
 */
export async function recordQueueLag(
  batch: MessageBatch<unknown>,
  receivedAt: number,
  deps: Pick<ConsumerDeps, 'sql' | 'log'>,
): Promise<void> {
  if (!batch.messages.length) return;
  const lag = batchLag(batch, receivedAt);
  const minute = new Date(Math.floor(receivedAt / MINUTE_MS) * MINUTE_MS).toISOString();
  try {
    await deps.sql.query(UPSERT_QUEUE_LAG, [
      minute,
      batch.queue,
      lag.messages,
      Math.round(lag.sumMs),
      Math.round(lag.maxMs),
    ]);
  } catch (err) {
    deps.log.warn('queue lag not recorded', { err });
  }
}
