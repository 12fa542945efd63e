import { AnalyticsEvent } from '../../../../src/shared/schemas/events';
import { isTransient, type ConsumerDeps } from './retry-policy';

const INSERT_EVENTS = `
insert into analytics_events (event_id, kind, at, user_id, show_id, data)
select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[], $5::uuid[], $6::jsonb[])
on conflict (event_id) do nothing`;

/** Stores a whole batch of analytics events in one statement, idempotent on the event id. */
export async function consumeAnalytics(batch: MessageBatch<unknown>, deps: ConsumerDeps): Promise<void> {
  const { sql, log } = deps;
  const events: AnalyticsEvent[] = [];
  const messages: Message<unknown>[] = [];
  for (const message of batch.messages) {
    const parsed = AnalyticsEvent.safeParse(message.body);
    if (parsed.success) {
      events.push(parsed.data);
      messages.push(message);
    } else {
      log.error('analytics event rejected by schema', { messageId: message.id });
      message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    }
  }
  if (!events.length) return;
  try {
    await sql.query(INSERT_EVENTS, [
      events.map((e) => e.eventId),
      events.map((e) => e.kind),
      events.map((e) => e.at),
      events.map((e) => e.userId ?? null),
      events.map((e) => e.showId ?? null),
      events.map((e) => JSON.stringify(e.data ?? {})),
    ]);
    for (const message of messages) message.ack();
  } catch (err) {
    log.warn('analytics batch failed', { err, transient: isTransient(err) });
    for (const message of messages) message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
  }
}
