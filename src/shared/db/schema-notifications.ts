/**
 * Notifications (docs/notifications.md): what each user wants to receive and how, the devices they receive
 * push on, each trigger recorded once, and every delivery with each of its attempts.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { belongsTo, createdAt, primaryId, sharesKeyWith, timestamptz, updatedAt, writtenAt } from './columns';
import { users } from './schema';

/** Language, time zone and quiet hours of a user; a user without a row has the defaults (en, UTC, none). */
export const notificationSettings = pgTable(
  'notification_settings',
  {
    userId: sharesKeyWith('user_id', () => users.id),
    /** BCP 47 language tag, e.g. "de" or "en-GB"; templates fall back to the base language, then to English. */
    locale: text('locale').notNull().default('en'),
    /** IANA zone: dates in messages and quiet hours are in this zone. */
    timeZone: text('time_zone').notNull().default('UTC'),
    /** Quiet hours as minutes after local midnight; both null means none. The end may be before the start (overnight). */
    quietStartMinute: smallint('quiet_start_minute'),
    quietEndMinute: smallint('quiet_end_minute'),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      'notification_settings_quiet_range',
      sql`${t.quietStartMinute} between 0 and 1439 and ${t.quietEndMinute} between 0 and 1439`,
    ),
    check('notification_settings_quiet_both', sql`(${t.quietStartMinute} is null) = (${t.quietEndMinute} is null)`),
  ],
);

/** One switch per user × kind × channel; a missing row means the kind's default for that channel. */
export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    userId: belongsTo('user_id', () => users.id),
    kind: text('kind').notNull(),
    channel: text('channel').notNull(),
    enabled: boolean('enabled').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind, t.channel] })],
);

/**
 * Where a user receives push: a browser's Web Push subscription (endpoint + keys) or a device's FCM
 * registration token (in `endpoint`, keys null). An endpoint belongs to one user: re-registering moves it.
 */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: primaryId(),
    userId: belongsTo('user_id', () => users.id),
    /** 'webpush' or 'fcm'. */
    type: text('type').notNull(),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh'),
    auth: text('auth'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('push_subscriptions_endpoint_key').on(t.endpoint),
    index('push_subscriptions_user_idx').on(t.userId),
  ],
);

/**
 * Each trigger once: the id is derived from the trigger (kind + subject), so a cron run, a retried
 * request or a recount that sees the same milestone again finds the row and does not notify twice.
 * `enqueued_at` is null until the fan-out message was accepted by the queue (a cron re-sends those).
 */
export const notificationEvents = pgTable(
  'notification_events',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind').notNull(),
    subject: jsonb('subject').notNull(),
    createdAt: createdAt(),
    enqueuedAt: timestamptz('enqueued_at'),
  },
  (t) => [index('notification_events_pending_idx').on(t.createdAt).where(sql`${t.enqueuedAt} is null`)],
);

/**
 * Exactly one delivery per (event, user, channel): the unique key is what makes a queue delivering a
 * message twice harmless. Status: queued → sending → sent | retrying → … | failed | given_up; deferred
 * (quiet hours, until `not_before`); skipped (channel not configured or no device).
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: primaryId(),
    eventId: uuid('event_id').notNull(),
    userId: belongsTo('user_id', () => users.id),
    channel: text('channel').notNull(),
    kind: text('kind').notNull(),
    data: jsonb('data').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    notBefore: timestamptz('not_before'),
    claimedAt: timestamptz('claimed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('notification_deliveries_event_user_channel_key').on(t.eventId, t.userId, t.channel),
    index('notification_deliveries_user_idx').on(t.userId),
    index('notification_deliveries_status_idx').on(t.status, t.updatedAt),
  ],
);

/** Every attempt of a delivery, per target (the push subscription, or null for email). Append-only. */
export const notificationDeliveryAttempts = pgTable(
  'notification_delivery_attempts',
  {
    id: primaryId(),
    deliveryId: belongsTo('delivery_id', () => notificationDeliveries.id),
    attempt: integer('attempt').notNull(),
    /** push_subscriptions.id for push channels; null otherwise. Not a foreign key: expired devices are deleted. */
    targetId: uuid('target_id'),
    /** sent | failed (permanent) | retry (transient) | gone (device expired and removed) | deferred */
    outcome: text('outcome').notNull(),
    httpStatus: integer('http_status'),
    error: text('error'),
    at: writtenAt('at'),
  },
  (t) => [index('notification_delivery_attempts_delivery_idx').on(t.deliveryId, t.at)],
);

export type NotificationSettings = typeof notificationSettings.$inferSelect;
export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
export type NotificationDelivery = typeof notificationDeliveries.$inferSelect;
