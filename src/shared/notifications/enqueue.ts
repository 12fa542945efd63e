/**
 * How anything in the system announces a notification trigger. Call these from the api worker, a cron, a
 * consumer or ingestion; each trigger notifies once however often it is called:
 *
 * 1. the trigger is recorded in `notification_events` under an id derived from it (md5 of "kind:subject"),
 *    `on conflict do nothing` — a second call finds the row and sends nothing;
 * 2. the first fan-out message goes to the NOTIFICATIONS queue, then the row is marked enqueued.
 *
 * If the send fails after step 1, the row stays unmarked and the notifications cron re-sends it
 * (`resendPendingNotificationEvents`): an outbox, so a trigger is never lost between Postgres and the queue.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { NotificationFanout, NotificationTrigger } from '../schemas/notifications';
import { triggerKey } from './trigger';

export { isAnnounceable, notificationEventRow, triggerKey } from './trigger';

/** A drizzle database of either driver (neon-serverless in the api worker, neon-http elsewhere). */
export interface SqlExecutor {
  execute(query: SQL): PromiseLike<{ rows: unknown[] }>;
}

export const fanoutMessage = (eventId: string, trigger: NotificationTrigger): NotificationFanout => ({
  v: 2,
  type: 'fanout',
  eventId,
  trigger,
});

export interface EnqueueResult {
  eventId: string;
  /** False when this trigger was already recorded (nothing sent again). */
  created: boolean;
}

/** Records the trigger and enqueues its fan-out, once per trigger. */
export async function enqueueNotificationTrigger(
  db: SqlExecutor,
  queue: Queue,
  trigger: NotificationTrigger,
): Promise<EnqueueResult> {
  const key = triggerKey(trigger);
  const { rows } = await db.execute(sql`
    with created as (
      insert into notification_events (id, kind, subject) values (md5(${key})::uuid, ${trigger.kind}, ${JSON.stringify(trigger)}::jsonb)
      on conflict (id) do nothing returning id)
    select md5(${key})::uuid::text as "eventId", exists (select 1 from created) as created`);
  const row = rows[0] as EnqueueResult;
  if (!row.created) return row;
  await queue.send(fanoutMessage(row.eventId, trigger), { contentType: 'json' });
  await markEnqueued(db, [row.eventId]);
  return row;
}

/**
 * The second half of the outbox for a trigger recorded with `notificationEventRow` (./trigger.ts): sends its fan-out and marks
 * it enqueued, unless it was sent already (by the sweep). Returns whether it sent.
 */
export async function sendRecordedTrigger(
  db: SqlExecutor,
  queue: Queue,
  trigger: NotificationTrigger,
): Promise<boolean> {
  const { rows } = await db.execute(
    sql`select id::text as "eventId" from notification_events where id = md5(${triggerKey(trigger)})::uuid and enqueued_at is null`,
  );
  const row = rows[0] as { eventId: string } | undefined;
  if (!row) return false;
  await queue.send(fanoutMessage(row.eventId, trigger), { contentType: 'json' });
  await markEnqueued(db, [row.eventId]);
  return true;
}

export async function markEnqueued(db: SqlExecutor, eventIds: string[]): Promise<void> {
  if (!eventIds.length) return;
  await db.execute(
    sql`update notification_events set enqueued_at = now() where id = any(${toUuidArray(eventIds)}) and enqueued_at is null`,
  );
}

/** A followed artist announced a show (admin creation; ingestion records it in its step's transaction): the artist's followers. */
export const enqueueShowAnnounced = (db: SqlExecutor, queue: Queue, showId: string) =>
  enqueueNotificationTrigger(db, queue, { kind: 'show_announced', showId });

/** Voting opened for a show (the notifications cron calls this): the artist's followers. */
export const enqueueVotingOpen = (db: SqlExecutor, queue: Queue, showId: string) =>
  enqueueNotificationTrigger(db, queue, { kind: 'voting_open', showId });

/** A show started (the notifications cron calls this): the fans who voted on it. */
export const enqueueShowStarting = (db: SqlExecutor, queue: Queue, showId: string) =>
  enqueueNotificationTrigger(db, queue, { kind: 'show_starting', showId });

/**
 * A show's actual setlist is final and scored (call after `fan_scores` / `show_accuracy` are written): the fans
 * who voted on it, each with their own score.
 */
export const enqueueSetlistPublished = (db: SqlExecutor, queue: Queue, showId: string) =>
  enqueueNotificationTrigger(db, queue, { kind: 'setlist_published', showId });

/** A song reached a vote milestone (the vote-events consumer detects these itself): the fan who added it. */
export const enqueueSongMilestone = (db: SqlExecutor, queue: Queue, setlistSongId: string, milestone: number) =>
  enqueueNotificationTrigger(db, queue, { kind: 'song_milestone', setlistSongId, milestone });

/**
 * The cron's half of the outbox: triggers recorded more than `olderThanSeconds` ago whose fan-out was never
 * accepted by the queue are sent again. Returns how many were re-sent.
 */
export async function resendPendingNotificationEvents(
  db: SqlExecutor,
  queue: Queue,
  olderThanSeconds = 60,
  limit = 100,
): Promise<number> {
  const { rows } = await db.execute(sql`
    select id::text as id, subject from notification_events
    where enqueued_at is null and created_at < now() - make_interval(secs => ${olderThanSeconds})
    order by created_at limit ${limit}`);
  const pending = rows as { id: string; subject: NotificationTrigger }[];
  if (!pending.length) return 0;
  await queue.sendBatch(pending.map((p) => ({ body: fanoutMessage(p.id, p.subject), contentType: 'json' as const })));
  await markEnqueued(
    db,
    pending.map((p) => p.id),
  );
  return pending.length;
}

const toUuidArray = (ids: string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;
