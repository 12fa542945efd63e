/** Reading and writing a user's notification settings and kind × channel switches (defaults filled in). */
import { eq, sql } from 'drizzle-orm';
import type { PrimaryDatabase } from '#shared/db/client';
import { notificationPreferences, notificationSettings, users } from '#shared/db/schema';
import { DEFAULT_ENABLED } from '#shared/notifications/policy';
import { minuteToText, textToMinute } from '#shared/notifications/quiet-hours';
import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_KINDS,
  type NotificationChannel,
  type NotificationKind,
  type NotificationPreferences,
  type NotificationPreferencesUpdate,
} from '#shared/schemas/notifications';

export async function readPreferences(db: PrimaryDatabase, userId: string): Promise<NotificationPreferences> {
  const [[settings], switches] = await Promise.all([
    db.select().from(notificationSettings).where(eq(notificationSettings.userId, userId)),
    db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId)),
  ]);
  const kinds = Object.fromEntries(
    NOTIFICATION_KINDS.map((k) => [k, { ...DEFAULT_ENABLED[k] }]),
  ) as NotificationPreferences['kinds'];
  for (const s of switches) {
    if (s.kind in kinds && (NOTIFICATION_CHANNELS as readonly string[]).includes(s.channel))
      kinds[s.kind as NotificationKind][s.channel as NotificationChannel] = s.enabled;
  }
  return {
    locale: settings?.locale ?? 'en',
    timeZone: settings?.timeZone ?? 'UTC',
    quietHours:
      settings?.quietStartMinute !== null &&
      settings?.quietStartMinute !== undefined &&
      settings.quietEndMinute !== null
        ? { start: minuteToText(settings.quietStartMinute), end: minuteToText(settings.quietEndMinute) }
        : null,
    kinds,
  };
}

/** Applies a partial update in one transaction; absent fields keep their value. */
export async function writePreferences(
  db: PrimaryDatabase,
  userId: string,
  update: NotificationPreferencesUpdate,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (update.locale !== undefined || update.timeZone !== undefined || update.quietHours !== undefined) {
      const values = {
        ...(update.locale !== undefined ? { locale: update.locale } : {}),
        ...(update.timeZone !== undefined ? { timeZone: update.timeZone } : {}),
        ...(update.quietHours !== undefined
          ? {
              quietStartMinute: update.quietHours ? textToMinute(update.quietHours.start) : null,
              quietEndMinute: update.quietHours ? textToMinute(update.quietHours.end) : null,
            }
          : {}),
      };
      await tx
        .insert(notificationSettings)
        .values({ userId, ...values })
        .onConflictDoUpdate({ target: notificationSettings.userId, set: { ...values, updatedAt: sql`now()` } });
    }
    const rows = Object.entries(update.kinds ?? {}).flatMap(([kind, channels]) =>
      Object.entries(channels ?? {}).map(([channel, enabled]) => ({
        userId,
        kind,
        channel,
        enabled: Boolean(enabled),
      })),
    );
    if (rows.length) await setSwitches(tx, rows);
  });
}

export async function setSwitches(
  db: Pick<PrimaryDatabase, 'insert'>,
  rows: { userId: string; kind: string; channel: string; enabled: boolean }[],
): Promise<void> {
  if (!rows.length) return;
  await db
    .insert(notificationPreferences)
    .values(rows)
    .onConflictDoUpdate({
      target: [notificationPreferences.userId, notificationPreferences.kind, notificationPreferences.channel],
      set: { enabled: sql`excluded.enabled`, updatedAt: sql`now()` },
    });
}

/** The switches an unsubscribe scope turns off ("all" expands to every kind or channel). */
export function unsubscribeRows(userId: string, kind: NotificationKind | 'all', channel: NotificationChannel | 'all') {
  const kinds = kind === 'all' ? NOTIFICATION_KINDS : [kind];
  const channels = channel === 'all' ? NOTIFICATION_CHANNELS : [channel];
  return kinds.flatMap((k) => channels.map((c) => ({ userId, kind: k, channel: c, enabled: false })));
}

/** Turns off what an unsubscribe link names. A deleted user has nothing left to unsubscribe from: a no-op. */
export async function unsubscribe(
  db: PrimaryDatabase,
  userId: string,
  kind: NotificationKind | 'all',
  channel: NotificationChannel | 'all',
): Promise<void> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (user) await setSwitches(db, unsubscribeRows(userId, kind, channel));
}
