import type { Context } from 'hono';
import type { Show } from '../../../../src/shared/db/schema';
import { enqueueShowAnnounced } from '../../../../src/shared/notifications/enqueue';
import type { AppEnv } from '../app-env';

/**
 * Tells the artist's followers about a new upcoming show. A failure never fails the show's creation: the
 * trigger is either not recorded (logged) or recorded but not yet enqueued, which the notifications cron re-sends.
 */
export async function announceShow(c: Context<AppEnv>, show: Show): Promise<void> {
  if (show.status !== 'upcoming' || show.startsAt.getTime() <= Date.now()) return;
  try {
    await enqueueShowAnnounced(c.var.database.db.$primary, c.env.NOTIFICATIONS, show.id);
  } catch (err) {
    c.var.log.warn('show announcement not enqueued', { err, showId: show.id });
  }
}
