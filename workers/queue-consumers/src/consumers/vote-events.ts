import type { NeonQueryFunction } from '@neondatabase/serverless';
import { VoteEvent } from '../../../../src/shared/schemas/events';
import { planVoteBatch } from './vote-events-plan';
import { RECOUNT_SETLIST_SONGS, UPSERT_SETLIST_SONGS, UPSERT_VOTES } from './vote-events-sql';
import { isTransient, type ConsumerDeps } from './retry-policy';

type Sql = NeonQueryFunction<false, false>;

/** Applies events in one transaction, one round trip. Safe to repeat: see vote-events-sql.ts. */
export async function applyVoteEvents(sql: Sql, events: VoteEvent[]): Promise<void> {
  if (!events.length) return;
  const plan = planVoteBatch(events);
  const s = plan.setlistSongs;
  const v = plan.votes;
  await sql.transaction([
    sql.query(UPSERT_SETLIST_SONGS, [s.id, s.showId, s.songId, s.addedBy, s.at]),
    sql.query(UPSERT_VOTES, [v.id, v.userId, v.setlistSongId, v.showId, v.active, v.seq, v.at]),
    sql.query(RECOUNT_SETLIST_SONGS, [plan.touchedSetlistSongIds]),
  ]);
}

/**
 * The vote-events consumer. The whole batch goes in one transaction; when that fails for a reason a
 * retry cannot fix, the batch is split message by message so that one poison message goes to the
 * dead-letter queue alone instead of taking its neighbours with it.
 */
export async function consumeVoteEvents(batch: MessageBatch<unknown>, deps: ConsumerDeps): Promise<void> {
  const { sql, log } = deps;
  const valid: { message: Message<unknown>; event: VoteEvent }[] = [];
  for (const message of batch.messages) {
    const parsed = VoteEvent.safeParse(message.body);
    if (parsed.success) valid.push({ message, event: parsed.data });
    else {
      log.error('vote event rejected by schema', { messageId: message.id, attempts: message.attempts, issues: parsed.error.issues.slice(0, 5) });
      message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    }
  }
  if (!valid.length) return;
  try {
    await applyVoteEvents(sql, valid.map((v) => v.event));
    for (const { message } of valid) message.ack();
    log.info('vote events applied', { count: valid.length, roundTrips: 1 });
    return;
  } catch (err) {
    if (isTransient(err)) {
      log.warn('vote batch failed, will retry', { err, count: valid.length });
      for (const { message } of valid) message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
      return;
    }
    log.warn('vote batch rejected, isolating the poison message', { err, count: valid.length });
  }
  for (const { message, event } of valid) {
    try {
      await applyVoteEvents(sql, [event]);
      message.ack();
    } catch (err) {
      log.error('vote event failed', { err, messageId: message.id, attempts: message.attempts, eventId: event.eventId });
      message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    }
  }
}
