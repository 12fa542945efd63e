/**
 * A fan's in-app inbox: the page (rendered in the reader's language and time zone), marking read, and the
 * devices push goes to. Everything from the primary: a fan sees their own change at once.
 */
import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { AnyDatabase, PrimaryDatabase } from '#shared/db/client';
import { notificationSettings, notifications, pushSubscriptions } from '#shared/db/schema';
import { renderShort, type TemplateData } from '#shared/notifications/templates';
import type { PageQuery } from '#shared/schemas/common';
import {
  type InboxPage,
  NOTIFICATION_KINDS,
  type NotificationKind,
  type PushSubscriptionCreate,
  type PushSubscriptionRecord,
} from '#shared/schemas/notifications';
import { rowAfter } from '../catalog/common';
import { cursorKeys, decodeSortedCursor, keysetPage } from '../http/pagination';

export async function readInbox(
  db: PrimaryDatabase,
  userId: string,
  { limit, cursor: rawCursor }: z.infer<typeof PageQuery>,
  /** An EU fan's EU database, where their language and time zone are kept (falling back to the primary's row). */
  eu?: AnyDatabase,
): Promise<z.infer<typeof InboxPage>> {
  const cursor = decodeSortedCursor(rawCursor, 'date', 'date', cursorKeys.date);
  const settingsOf = (d: AnyDatabase) =>
    d
      .select({ locale: notificationSettings.locale, timeZone: notificationSettings.timeZone })
      .from(notificationSettings)
      .where(eq(notificationSettings.userId, userId));
  const [rows, [unread], [legacySettings], [euSettings]] = await Promise.all([
    db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.userId, userId),
          cursor
            ? rowAfter(
                'desc',
                notifications.createdAt,
                notifications.id,
                sql`${cursor.key.toISOString()}::timestamptz`,
                cursor.id,
              )
            : undefined,
        ),
      )
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(limit + 1),
    db
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt))),
    settingsOf(db),
    eu ? settingsOf(eu) : [],
  ]);
  const settings = euSettings ?? legacySettings;
  const recipient = { locale: settings?.locale ?? 'en', timeZone: settings?.timeZone ?? 'UTC' };
  const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ k: last.createdAt.toISOString(), id: last.id }));
  return {
    items: page.map((n) => {
      const data = (n.data ?? {}) as Record<string, unknown>;
      // Rendered at read time, so the inbox follows a change of language; unknown kinds show their name.
      const text = (NOTIFICATION_KINDS as readonly string[]).includes(n.kind)
        ? renderShort(n.kind as NotificationKind, data as TemplateData, recipient)
        : { title: n.kind, body: '' };
      return {
        id: n.id,
        kind: n.kind,
        ...text,
        data,
        createdAt: n.createdAt.toISOString(),
        readAt: n.readAt?.toISOString() ?? null,
      };
    }),
    unread: unread?.n ?? 0,
    nextCursor,
  };
}

/**
 * Marks one of the user's notifications read: `opened` with its kind when this call read it (opening is counted
 * once), `already` when it was read before, `missing` when the user has no such notification (someone else's
 * is reported as missing: ids are not a way to probe other inboxes).
 */
export async function markRead(
  db: PrimaryDatabase,
  userId: string,
  id: string,
): Promise<{ outcome: 'opened'; kind: string } | { outcome: 'already' | 'missing' }> {
  const mine = and(eq(notifications.id, id), eq(notifications.userId, userId));
  const [opened] = await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(mine, isNull(notifications.readAt)))
    .returning({ kind: notifications.kind });
  if (opened) return { outcome: 'opened', kind: opened.kind };
  const exists = (await db.select({ id: notifications.id }).from(notifications).where(mine)).length > 0;
  return { outcome: exists ? 'already' : 'missing' };
}

/** How many were unread. */
export async function markAllRead(db: PrimaryDatabase, userId: string): Promise<number> {
  const marked = await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return marked.length;
}

/**
 * Registering an endpoint again moves it to `userId`. The endpoint's host is the caller's to check. `db`: the
 * caller's personal database (an EU fan's devices are in the EU database); `elsewhere`: the other one, when an EU
 * database is configured, from which the endpoint is removed, so one browser is never registered twice.
 */
export async function registerPushSubscription(
  db: AnyDatabase,
  userId: string,
  body: PushSubscriptionCreate,
  userAgent: string | null,
  elsewhere?: AnyDatabase,
): Promise<z.infer<typeof PushSubscriptionRecord>> {
  const values =
    body.type === 'webpush'
      ? { type: 'webpush', endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth }
      : { type: 'fcm', endpoint: body.token, p256dh: null, auth: null };
  const [row] = await db
    .insert(pushSubscriptions)
    .values({ ...values, userId, userAgent })
    .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { ...values, userId, userAgent } })
    .returning();
  if (elsewhere) await elsewhere.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, values.endpoint));
  return { id: row!.id, type: row!.type as 'webpush' | 'fcm', createdAt: row!.createdAt.toISOString() };
}

/** False when the user has no such subscription. */
export async function removePushSubscription(db: AnyDatabase, userId: string, id: string): Promise<boolean> {
  const removed = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId)))
    .returning({ id: pushSubscriptions.id });
  return removed.length > 0;
}
