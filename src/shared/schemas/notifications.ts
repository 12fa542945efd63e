/**
 * Notifications on the wire: the queue messages of the pipeline (trigger → fan-out → deliver → send) and the
 * HTTP bodies of the preference, device and inbox routes. See docs/notifications.md.
 */
import { z } from 'zod';
import { isIanaTimeZone } from './common';

export const NOTIFICATION_KINDS = [
  'show_announced',
  'voting_open',
  'show_starting',
  'setlist_published',
  'song_milestone',
] as const;
export const NotificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKind>;

export const NOTIFICATION_CHANNELS = ['in_app', 'email', 'webpush', 'fcm'] as const;
export const NotificationChannel = z.enum(NOTIFICATION_CHANNELS);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

/** What happened, identified by its subject: the event id is derived from it, so each trigger notifies once. */
export const NotificationTrigger = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('show_announced'), showId: z.uuid() }),
  z.object({ kind: z.literal('voting_open'), showId: z.uuid() }),
  z.object({ kind: z.literal('show_starting'), showId: z.uuid() }),
  z.object({ kind: z.literal('setlist_published'), showId: z.uuid() }),
  z.object({ kind: z.literal('song_milestone'), setlistSongId: z.uuid(), milestone: z.number().int().positive() }),
]);
export type NotificationTrigger = z.infer<typeof NotificationTrigger>;

/** What every message of the pipeline starts with: its version and which step it is. */
const pipelineStep = <T extends string>(type: T) => ({ v: z.literal(2), type: z.literal(type) });

/** Step 1: one page of recipients of an event; `after` is the keyset cursor (last user id of the previous page). */
export const NotificationFanout = z.object({
  ...pipelineStep('fanout'),
  /** md5 of the trigger's key shaped as a UUID (no version bits): hence guid, not uuid. */
  eventId: z.guid(),
  trigger: NotificationTrigger,
  after: z.uuid().optional(),
});
export type NotificationFanout = z.infer<typeof NotificationFanout>;

/** Step 2: one batch of recipients: preferences decide the channels, deliveries are recorded, the inbox written. */
export const NotificationDeliver = z.object({
  ...pipelineStep('deliver'),
  eventId: z.guid(),
  kind: NotificationKind,
  userIds: z.array(z.uuid()).min(1).max(500),
  /** What the templates need (names, dates), read once per fan-out page instead of once per recipient. */
  data: z.record(z.string(), z.unknown()),
});
export type NotificationDeliver = z.infer<typeof NotificationDeliver>;

/** Step 3: sends recorded deliveries through email, Web Push or FCM; also the vehicle of retries and deferrals. */
export const NotificationSend = z.object({
  ...pipelineStep('send'),
  deliveryIds: z.array(z.uuid()).min(1).max(100),
});
export type NotificationSend = z.infer<typeof NotificationSend>;

export const NotificationPipelineMessage = z.discriminatedUnion('type', [
  NotificationFanout,
  NotificationDeliver,
  NotificationSend,
]);
export type NotificationPipelineMessage = z.infer<typeof NotificationPipelineMessage>;

// ---- HTTP ----

const minuteOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM (24-hour).')
  .meta({ example: '22:00' });

const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isIanaTimeZone, 'Not an IANA time zone.')
  .meta({ example: 'Europe/Berlin' });

const locale = z
  .string()
  .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'Not a BCP 47 language tag.')
  .meta({ example: 'de' });

const channelSwitches = z.object(
  Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, z.boolean()])) as Record<NotificationChannel, z.ZodBoolean>,
);

export const NotificationPreferences = z
  .object({
    locale,
    timeZone,
    quietHours: z.object({ start: minuteOfDay, end: minuteOfDay }).nullable(),
    /** Every kind × channel, defaults filled in. */
    kinds: z.object(
      Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, channelSwitches])) as Record<
        NotificationKind,
        typeof channelSwitches
      >,
    ),
  })
  .meta({ id: 'NotificationPreferences' });
export type NotificationPreferences = z.infer<typeof NotificationPreferences>;

/** A partial update: only the fields given change. */
export const NotificationPreferencesUpdate = z
  .object({
    locale: locale.optional(),
    timeZone: timeZone.optional(),
    quietHours: z.object({ start: minuteOfDay, end: minuteOfDay }).nullable().optional(),
    kinds: z.partialRecord(NotificationKind, z.partialRecord(NotificationChannel, z.boolean())).optional(),
  })
  .strict()
  .meta({ id: 'NotificationPreferencesUpdate' });
export type NotificationPreferencesUpdate = z.infer<typeof NotificationPreferencesUpdate>;

const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+=*$/, 'Not base64url.');

/** A browser's PushSubscription.toJSON(), or a mobile app's FCM registration token. */
export const PushSubscriptionCreate = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('webpush'),
      endpoint: z.url({ protocol: /^https$/ }).max(2048),
      expirationTime: z.number().nullable().optional(),
      keys: z.object({ p256dh: base64url(86, 88), auth: base64url(22, 24) }),
    }),
    z.object({ type: z.literal('fcm'), token: z.string().min(20).max(4096) }),
  ])
  .meta({ id: 'PushSubscriptionCreate' });
export type PushSubscriptionCreate = z.infer<typeof PushSubscriptionCreate>;

export const PushSubscriptionRecord = z
  .object({ id: z.uuid(), type: z.enum(['webpush', 'fcm']), createdAt: z.string() })
  .meta({ id: 'PushSubscription' });

export const InboxItem = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    title: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .meta({ id: 'InboxNotification' });

export const InboxPage = z
  .object({ items: z.array(InboxItem), unread: z.number().int(), nextCursor: z.string().nullable() })
  .meta({ id: 'InboxPage' });

/** What an unsubscribe link turns off: one kind or all, on one channel or all. */
const UnsubscribeScope = z.object({
  kind: z.union([NotificationKind, z.literal('all')]),
  channel: z.union([NotificationChannel, z.literal('all')]),
});

export const UnsubscribeResult = z.object({ unsubscribed: UnsubscribeScope }).meta({ id: 'UnsubscribeResult' });

/** `GET /v1/unsubscribe`: what the link would turn off; nothing changes until it is POSTed (RFC 8058). */
export const UnsubscribeConfirmation = z
  .object({
    confirm: UnsubscribeScope,
    method: z.literal('POST'),
  })
  .meta({ id: 'UnsubscribeConfirmation' });

export const NotificationsMarked = z.object({ marked: z.number().int() }).meta({ id: 'NotificationsMarked' });
export const VapidPublicKey = z.object({ publicKey: z.string().nullable() }).meta({ id: 'VapidPublicKey' });
