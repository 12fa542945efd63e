/**
 * What a notification trigger is keyed by, and the rules that decide one, without the queue (so that code
 * running outside the workers, such as the ingestion CLI, can record triggers too). Sending is enqueue.ts.
 */
import { sql } from 'drizzle-orm';
import type { NotificationTrigger } from '../schemas/notifications';

/** The stable text a trigger's event id is derived from; enqueue.ts's SQL and the vote-events consumer agree on it. */
export function triggerKey(trigger: NotificationTrigger): string {
  return trigger.kind === 'song_milestone'
    ? `song_milestone:${trigger.setlistSongId}:${trigger.milestone}`
    : `${trigger.kind}:${trigger.showId}`;
}

/**
 * The `notification_events` row of a trigger, for a caller that records it inside its own transaction
 * (`insert … on conflict do nothing`), so that the trigger commits or rolls back with what it announces. The
 * caller then sends it with `sendRecordedTrigger` after the commit; if that never happens, the notifications
 * cron's outbox sweep sends it.
 */
export const notificationEventRow = (trigger: NotificationTrigger) => ({
  id: sql`md5(${triggerKey(trigger)})::uuid`,
  kind: trigger.kind,
  subject: trigger,
});

/**
 * Whether a new show is announced to the artist's followers: one still to come (not cancelled, not started). The
 * one rule for shows created by an admin and shows imported from Ticketmaster.
 */
export const isAnnounceable = (show: { status: string; startsAt: Date }, now: Date) =>
  show.status === 'upcoming' && show.startsAt.getTime() > now.getTime();
