/** Reading and writing a user's notification settings and kind × channel switches (defaults filled in). */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AnyDatabase, PrimaryDatabase } from '#shared/db/client';
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

/**
 * `db`: where the user's preferences are kept (an EU fan's EU database, docs/operations.md "Regions and
 * residency"); `legacy`: the primary for an EU fan, whose rows written before preferences moved still count where
 * `db` has none of its own.
 */
export async function readPreferences(
  db: AnyDatabase,
  userId: string,
  legacy?: AnyDatabase,
): Promise<NotificationPreferences> {
  const read = (d: AnyDatabase) =>
    Promise.all([
      d.select().from(notificationSettings).where(eq(notificationSettings.userId, userId)),
      d.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId)),
    ]);
  const [[[own], ownSwitches], [[old], oldSwitches]] = await Promise.all([
    read(db),
    legacy ? read(legacy) : Promise.resolve([[], []] as Awaited<ReturnType<typeof read>>),
  ]);
  const settings = own ?? old;
  const switches = [...oldSwitches, ...ownSwitches];
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

/**
 * Applies a partial update; absent fields keep their value. Two upserts, not one transaction (an EU fan's EU
 * database has none over HTTP): each is idempotent, so a request that fails half-way is completed by repeating it.
 */
export async function writePreferences(
  db: AnyDatabase,
  userId: string,
  update: NotificationPreferencesUpdate,
): Promise<void> {
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
    await db
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
  if (rows.length) await setSwitches(db, rows);
}

export async function setSwitches(
  db: Pick<AnyDatabase, 'insert'>,
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

/**
 * Turns off what an unsubscribe link names. A deleted user has nothing left to unsubscribe from: a no-op. An EU
 * fan's switches are written to the EU database (`eu`, when one is configured).
 */
export async function unsubscribe(
  db: PrimaryDatabase,
  userId: string,
  kind: NotificationKind | 'all',
  channel: NotificationChannel | 'all',
  eu?: AnyDatabase | null,
): Promise<void> {
  const [user] = await db
    .select({ id: users.id, homeRegion: users.homeRegion })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAt)));
  if (user) await setSwitches(user.homeRegion === 'eu' && eu ? eu : db, unsubscribeRows(userId, kind, channel));
}
