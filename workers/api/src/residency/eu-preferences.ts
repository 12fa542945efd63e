/**
 * An EU fan's notification settings (locale, time zone, quiet hours) and kind × channel switches are kept in the EU
 * database (docs/operations.md, "Regions and residency"). Rows an EU fan wrote while they were kept in the primary
 * still count where the EU database has none (reads merge them); before the fan's next change they are moved, so a
 * partial update never loses a setting nor brings back a channel the fan turned off.
 */
import { eq } from 'drizzle-orm';
import type { AnyDatabase, PrimaryDatabase, ReadDatabase } from '#shared/db/client';
import { notificationPreferences, notificationSettings } from '#shared/db/schema';

/** Copies the user's rows from the primary (a row already in the EU database wins), then deletes them there. */
export async function moveNotificationSettingsToEu(
  primary: PrimaryDatabase,
  eu: ReadDatabase | AnyDatabase,
  userId: string,
): Promise<void> {
  const [settings, switches] = await Promise.all([
    primary.select().from(notificationSettings).where(eq(notificationSettings.userId, userId)),
    primary.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId)),
  ]);
  if (!settings.length && !switches.length) return;
  if (settings.length) await eu.insert(notificationSettings).values(settings).onConflictDoNothing();
  if (switches.length) await eu.insert(notificationPreferences).values(switches).onConflictDoNothing();
  await primary.delete(notificationPreferences).where(eq(notificationPreferences.userId, userId));
  await primary.delete(notificationSettings).where(eq(notificationSettings.userId, userId));
}
