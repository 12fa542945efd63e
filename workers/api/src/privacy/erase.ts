import { eq } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import {
  analyticsEvents,
  follows,
  notificationDeliveries,
  notificationPreferences,
  notificationSettings,
  notifications,
  pushSubscriptions,
  recoveryCodes,
  sessions,
  setlistSongs,
  userMfa,
  users,
} from '#shared/db/schema';
import { forgetUserSessions } from '../auth/session-cache';

/**
 * Erases a person from MySetlist while every tally stays exactly as it was.
 *
 * Votes are facts about a setlist, not about a person, once nothing links them to one: the user row is kept
 * as an anonymous tombstone (no email, no name, a password hash nothing can match), so the votes it owns
 * still count and still satisfy one-vote-per-song; the show rooms keep that same opaque id on their votes. (The
 * route then has the rooms close the user's sockets and forget who added which song: live/room-sockets.ts.) Everything personal is deleted: sessions (with IPs and user agents), MFA secrets, recovery
 * codes, follows, the inbox, notification settings, push devices and delivery records, and the link from analytics events and setlist additions.
 * Queued notifications for the user are dropped by the consumer, which skips deleted accounts.
 * One transaction: either all of it happens or none.
 */
export async function eraseUser(db: Database, userId: string): Promise<void> {
  await db.$primary.transaction(async (tx) => {
    await tx.delete(sessions).where(eq(sessions.userId, userId));
    await tx.delete(userMfa).where(eq(userMfa.userId, userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.delete(follows).where(eq(follows.userId, userId));
    await tx.delete(notifications).where(eq(notifications.userId, userId));
    await tx.delete(notificationDeliveries).where(eq(notificationDeliveries.userId, userId));
    await tx.delete(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
    await tx.delete(notificationPreferences).where(eq(notificationPreferences.userId, userId));
    await tx.delete(notificationSettings).where(eq(notificationSettings.userId, userId));
    await tx.update(analyticsEvents).set({ userId: null }).where(eq(analyticsEvents.userId, userId));
    await tx.update(setlistSongs).set({ addedBy: null }).where(eq(setlistSongs.addedBy, userId));
    await tx
      .update(users)
      .set({
        email: `deleted-${userId}@deleted.invalid`,
        displayName: 'Deleted fan',
        passwordHash: '!',
        role: 'fan',
        deletedAt: new Date(),
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId));
  });
  forgetUserSessions(userId);
}
