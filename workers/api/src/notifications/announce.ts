import type { Context } from 'hono';
import type { Show } from '#shared/db/schema';
import { enqueueSetlistPublished, enqueueShowAnnounced, isAnnounceable } from '#shared/notifications/enqueue';
import type { AppEnv } from '../app-env';

/**
 * Tells the artist's followers about a new upcoming show. A failure never fails the show's creation: the
 * trigger is either not recorded (logged) or recorded but not yet enqueued, which the notifications cron re-sends.
 */
export async function announceShow(c: Context<AppEnv>, show: Show): Promise<void> {
  if (!isAnnounceable(show, new Date())) return;
  try {
    await enqueueShowAnnounced(c.var.database.db.$primary, c.env.NOTIFICATIONS, show.id);
  } catch (err) {
    c.var.log.warn('show announcement not enqueued', { err, showId: show.id });
  }
}

/**
 * Tells every fan who voted on a finalised show their score. Called after finalisation has committed the scores;
 * the trigger's key makes a second finalisation notify nobody twice, and a failure never fails the finalisation
 * (the notifications cron re-sends a recorded trigger).
 */
export async function publishSetlist(c: Context<AppEnv>, showId: string): Promise<void> {
  try {
    await enqueueSetlistPublished(c.var.database.db.$primary, c.env.NOTIFICATIONS, showId);
  } catch (err) {
    c.var.log.warn('setlist publication not enqueued', { err, showId });
  }
}
