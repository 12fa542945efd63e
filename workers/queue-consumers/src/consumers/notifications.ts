import { NotificationEvent } from '../../../../src/shared/schemas/events';
import type { ConsumerDeps } from './retry-policy';

const INSERT_INBOX = `
insert into notifications (event_id, user_id, kind, data)
select $1::uuid, u.id, $2::text, $3::jsonb
from unnest($4::uuid[]) as r(id) join users u on u.id = r.id and u.deleted_at is null
on conflict (event_id, user_id) do nothing`;

/**
 * Delivers to the in-app inbox; the unique (event, user) key makes a repeated delivery harmless. Deleted
 * accounts are skipped, so work queued before a deletion cannot bring personal data back.
 */
export async function consumeNotifications(batch: MessageBatch<unknown>, deps: ConsumerDeps): Promise<void> {
  const { sql, log } = deps;
  for (const message of batch.messages) {
    const parsed = NotificationEvent.safeParse(message.body);
    if (!parsed.success) {
      log.error('notification rejected by schema', { messageId: message.id });
      message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
      continue;
    }
    const event = parsed.data;
    try {
      await sql.query(INSERT_INBOX, [event.eventId, event.kind, JSON.stringify(event.data), event.userIds]);
      message.ack();
    } catch (err) {
      log.warn('notification delivery failed', { err, eventId: event.eventId });
      message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    }
  }
}
