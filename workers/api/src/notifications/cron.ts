/**
 * The notifications cron (every 5 minutes): shows whose voting opened and shows that started become triggers
 * (each once: the event id is derived from kind + show), triggers recorded but never accepted by the
 * queue are re-sent (the outbox sweep), and so are send messages of deliveries that are overdue. Idempotent: a doubled or missed run changes nothing.
 */
import { sql } from 'drizzle-orm';
import { CRONS } from '#shared/cron/schedule';
import type { PrimaryDatabase } from '#shared/db/client';
import { fanoutMessage, markEnqueued, resendPendingNotificationEvents } from '#shared/notifications/enqueue';
import { DELIVERIES_PER_SEND } from '#shared/notifications/policy';
import type { NotificationTrigger } from '#shared/schemas/notifications';

export const NOTIFICATIONS_CRON = CRONS['mysetlist-api'].notifications;

/**
 * Voting that opened in the last day, unless it was already open when the show was announced (the
 * announcement said so); shows that started in the last two hours (a late cron still tells the fans).
 */
const DUE_TRIGGERS = sql`
  with due as (
    select 'voting_open' as kind, id from shows
    where status = 'upcoming' and voting_opens_at <= now() and voting_opens_at > now() - interval '1 day' and voting_opens_at > created_at
    union all
    select 'show_starting', id from shows
    where status in ('upcoming', 'live') and starts_at <= now() and starts_at > now() - interval '2 hours'
  )
  insert into notification_events (id, kind, subject)
  select md5(kind || ':' || id::text)::uuid, kind, jsonb_build_object('kind', kind, 'showId', id) from due
  on conflict (id) do nothing
  returning id::text as id, subject`;

/**
 * Deliveries whose send message was lost (a queue outage after the row was written): due for ten minutes and
 * still waiting, or claimed by a consumer that died. Their send messages are sent again; the claim makes a
 * second message harmless.
 */
const STUCK_DELIVERIES = sql`
  select id::text as id from notification_deliveries
  where (status in ('queued', 'deferred', 'retrying') and coalesce(not_before, updated_at) < now() - interval '10 minutes')
     or (status = 'sending' and claimed_at < now() - interval '10 minutes')
  order by updated_at limit 500`;

export async function runNotificationCron(
  db: PrimaryDatabase,
  queue: Queue,
): Promise<{ triggered: number; resent: number; unstuck: number }> {
  const { rows } = await db.execute(DUE_TRIGGERS);
  const created = rows as unknown as { id: string; subject: NotificationTrigger }[];
  for (let i = 0; i < created.length; i += 100) {
    const chunk = created.slice(i, i + 100);
    await queue.sendBatch(chunk.map((e) => ({ body: fanoutMessage(e.id, e.subject), contentType: 'json' as const })));
    await markEnqueued(
      db,
      chunk.map((e) => e.id),
    );
  }
  const resent = await resendPendingNotificationEvents(db, queue);
  const stuck = (await db.execute(STUCK_DELIVERIES)).rows as unknown as { id: string }[];
  for (let i = 0; i < stuck.length; i += DELIVERIES_PER_SEND * 100) {
    const ids = stuck.slice(i, i + DELIVERIES_PER_SEND * 100).map((d) => d.id);
    const messages = [];
    for (let j = 0; j < ids.length; j += DELIVERIES_PER_SEND)
      messages.push({
        body: { v: 2, type: 'send', deliveryIds: ids.slice(j, j + DELIVERIES_PER_SEND) },
        contentType: 'json' as const,
      });
    await queue.sendBatch(messages);
  }
  return { triggered: created.length, resent, unstuck: stuck.length };
}
