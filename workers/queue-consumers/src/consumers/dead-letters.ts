import { escapedJson } from '#shared/schemas/text';
import { type ConsumerDeps, isTransient } from './retry-policy';

const RECORD_DEAD_LETTERS = `
insert into dead_letters (queue, message_id, body, attempts)
select * from unnest($1::text[], $2::text[], $3::jsonb[], $4::int[])
on conflict (queue, message_id) do nothing`;

/** A dead letter waits at least this long between attempts, so that its retry budget outlasts an outage. */
const MIN_RETRY_DELAY_SECONDS = 1;

/**
 * The body as jsonb can hold it. A NUL or a lone surrogate inside a string (often the very reason the message
 * died) makes Postgres refuse the whole jsonb value (SQLSTATE 22P05), which would fail every letter of the batch on
 * every attempt until the budget ran out: such characters are spelled out as `\uXXXX` text instead, so the
 * letter is kept readable and nothing else in it changes.
 */
const storableBody = (message: Message<unknown>) => JSON.stringify(escapedJson(message.body ?? null));

/**
 * A dead-letter queue's consumer: it keeps every dead letter in Postgres, where operators can read it
 * and `npm run dlq:replay` can send it back to its source queue once the cause is fixed.
 *
 * A dead-letter queue has no dead-letter queue of its own: a message it gives up on is deleted. So this
 * consumer never throws (a thrown batch spends a retry without a delay); while Postgres cannot take the
 * letters, each is retried with backoff (capped at 5 minutes), and wrangler.toml gives these consumers the
 * largest retry budget Queues allows (100 attempts: hours of outage). Past that, the vote events are still
 * not lost: the room keeps every event until it sees it in Postgres (workers/realtime/src/room/reconcile.ts).
 * A batch Postgres refuses for what is in it (not for being down) is recorded letter by letter, so one letter
 * it cannot take never keeps the others out.
 */
export async function recordDeadLetters(
  batch: MessageBatch<unknown>,
  sourceQueue: string,
  deps: ConsumerDeps,
): Promise<void> {
  const { log } = deps;
  const messages = batch.messages;
  try {
    await record(messages, sourceQueue, deps);
  } catch (err) {
    if (isTransient(err) || messages.length === 1) {
      log.error('dead letters not recorded yet; retrying them', { err, queue: sourceQueue, count: messages.length });
      retry(messages, deps);
      return;
    }
    log.warn('dead-letter batch refused; recording its letters one by one', { err, queue: sourceQueue });
    for (const m of messages) {
      try {
        await record([m], sourceQueue, deps);
        m.ack();
      } catch (one) {
        log.error('dead letter not recorded; retrying it', { err: one, queue: sourceQueue, messageId: m.id });
        retry([m], deps);
      }
    }
    return;
  }
  batch.ackAll();
  log.warn('dead letters recorded', { queue: sourceQueue, count: messages.length });
}

async function record(messages: readonly Message<unknown>[], sourceQueue: string, { sql }: ConsumerDeps) {
  await sql.query(RECORD_DEAD_LETTERS, [
    messages.map(() => sourceQueue),
    messages.map((m) => m.id),
    messages.map(storableBody),
    messages.map((m) => m.attempts),
  ]);
}

function retry(messages: readonly Message<unknown>[], { retryDelaySeconds }: ConsumerDeps) {
  for (const m of messages) m.retry({ delaySeconds: Math.max(MIN_RETRY_DELAY_SECONDS, retryDelaySeconds(m.attempts)) });
}
