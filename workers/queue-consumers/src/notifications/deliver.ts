/**
 * Deliver: one batch of recipients of one event. Preferences and devices decide the channels; every delivery
 * is recorded once (unique per event, user, channel — a repeated message inserts nothing), the in-app inbox
 * row is written in the same transaction, and the external channels are handed to send messages: at once, or
 * delayed until the recipient's quiet hours end. Two round trips per message, whatever the batch size.
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';
import { DEFAULT_ENABLED, DELIVERIES_PER_SEND, URGENT_KINDS } from '#shared/notifications/policy';
import { secondsUntilQuietHoursEnd } from '#shared/notifications/quiet-hours';
import type { NotificationChannel, NotificationDeliver } from '#shared/schemas/notifications';
import type { NotificationConfig } from './config';
import type { EuPush } from './eu-push';
import type { EuNotificationSettings } from './eu-settings';
import { type PlannedSend, sendMessages } from './send-plan';

type Sql = NeonQueryFunction<false, false>;

const RECIPIENTS = `
select u.id, u.home_region = 'eu' as eu, coalesce(s.time_zone, 'UTC') as "timeZone", s.quiet_start_minute as "quietStart", s.quiet_end_minute as "quietEnd",
       coalesce((select jsonb_object_agg(p.channel, p.enabled) from notification_preferences p where p.user_id = u.id and p.kind = $2), '{}'::jsonb) as prefs,
       coalesce((select array_agg(distinct ps.type) from push_subscriptions ps where ps.user_id = u.id), '{}'::text[]) as devices,
       fs.points, fs.songs_hit as "songsHit", fs.songs_voted as "songsVoted"
from unnest($1::uuid[]) as r(id) join users u on u.id = r.id and u.deleted_at is null
left join notification_settings s on s.user_id = u.id
left join fan_scores fs on fs.user_id = u.id and fs.show_id = $3::uuid`;

/**
 * Records the deliveries (and their first attempt), writes the inbox, then lists what still needs sending —
 * including rows left `queued` by an earlier run of the same message that died before enqueuing them.
 */
const RECORD = `
with planned as (
  select * from unnest($2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::timestamptz[]) as t(user_id, channel, data, status, not_before)
), inserted as (
  insert into notification_deliveries (event_id, user_id, channel, kind, data, status, attempts, not_before)
  select $1::uuid, user_id, channel, $7, data, status, case when status = 'sent' then 1 else 0 end, not_before from planned
  on conflict (event_id, user_id, channel) do nothing
  returning id, status, last_error, not_before
), first_attempts as (
  insert into notification_delivery_attempts (delivery_id, attempt, outcome, error)
  select id, case when status = 'sent' then 1 else 0 end, status, last_error from inserted
), inbox as (
  insert into notifications (event_id, user_id, kind, data)
  select $1::uuid, user_id, $7, data from planned where channel = 'in_app'
  on conflict (event_id, user_id) do nothing
)
select id, status, not_before as "notBefore" from notification_deliveries
where event_id = $1::uuid and user_id = any($2::uuid[]) and status in ('queued', 'deferred')
union
select id, status, not_before from inserted where status in ('queued', 'deferred')`;

interface RecipientRow {
  id: string;
  eu: boolean;
  timeZone: string;
  quietStart: number | null;
  quietEnd: number | null;
  prefs: Partial<Record<NotificationChannel, boolean>>;
  devices: string[];
  points: number | null;
  songsHit: number | null;
  songsVoted: number | null;
}

export interface DeliverResult {
  deliveries: number;
  sends: PlannedSend[];
}

export async function deliverStep(
  sql: Sql,
  message: NotificationDeliver,
  config: NotificationConfig,
  now = new Date(),
  euPush?: EuPush,
  euSettings?: EuNotificationSettings,
): Promise<DeliverResult> {
  const showId =
    message.kind === 'setlist_published' && typeof message.data.showId === 'string' ? message.data.showId : null;
  const recipients = (await sql.query(RECIPIENTS, [message.userIds, message.kind, showId])) as RecipientRow[];
  // An EU fan's devices are in the EU database (eu-push.ts), besides any registered in the primary before.
  const euRecipients = euPush ? recipients.filter((r) => r.eu) : [];
  // And their settings and switches (eu-settings.ts): a row there wins over one left in the primary.
  const euFans = euSettings ? recipients.filter((r) => r.eu) : [];
  if (euSettings && euFans.length) {
    const { settings, switches } = await euSettings.of(euFans.map((r) => r.id));
    for (const r of euFans) {
      const own = settings.find((s) => s.userId === r.id);
      if (own) Object.assign(r, { timeZone: own.timeZone, quietStart: own.quietStart, quietEnd: own.quietEnd });
      for (const sw of switches)
        if (sw.userId === r.id && sw.kind === message.kind) r.prefs[sw.channel as NotificationChannel] = sw.enabled;
    }
  }
  if (euPush && euRecipients.length) {
    const euDevices = await euPush.devices(euRecipients.map((r) => r.id));
    for (const r of euRecipients) {
      const types = euDevices.filter((d) => d.userId === r.id).map((d) => d.type);
      r.devices = [...new Set([...r.devices, ...types])];
    }
  }
  const planned = {
    userId: [] as string[],
    channel: [] as string[],
    data: [] as string[],
    status: [] as string[],
    notBefore: [] as (string | null)[],
  };
  const urgent = URGENT_KINDS.has(message.kind);
  for (const r of recipients) {
    const data =
      r.songsVoted === null
        ? message.data
        : { ...message.data, points: r.points, songsHit: r.songsHit, songsVoted: r.songsVoted };
    const wait = urgent ? 0 : secondsUntilQuietHoursEnd(now, r.timeZone, r.quietStart, r.quietEnd);
    for (const channel of ['in_app', 'email', 'webpush', 'fcm'] as const) {
      if (!(r.prefs[channel] ?? DEFAULT_ENABLED[message.kind][channel])) continue;
      if ((channel === 'webpush' || channel === 'fcm') && !r.devices.includes(channel)) continue;
      const configured =
        channel === 'in_app' ||
        (channel === 'email' ? config.email : channel === 'webpush' ? config.vapid : config.fcm) !== null;
      const status = channel === 'in_app' ? 'sent' : !configured ? 'skipped' : wait > 0 ? 'deferred' : 'queued';
      planned.userId.push(r.id);
      planned.channel.push(channel);
      planned.data.push(JSON.stringify(data));
      planned.status.push(status);
      planned.notBefore.push(status === 'deferred' ? new Date(now.getTime() + wait * 1000).toISOString() : null);
    }
  }
  if (!planned.userId.length) return { deliveries: 0, sends: [] };
  const pending = (await sql.query(RECORD, [
    message.eventId,
    planned.userId,
    planned.channel,
    planned.data,
    planned.status,
    planned.notBefore,
    message.kind,
  ])) as {
    id: string;
    status: string;
    notBefore: string | null;
  }[];
  return { deliveries: planned.userId.length, sends: sendMessages(pending, now, DELIVERIES_PER_SEND) };
}
