/**
 * Send: the external channels of up to DELIVERIES_PER_SEND recorded deliveries. Each delivery is claimed
 * first (an atomic status change), so when the queue hands the same message to two consumers only one sends.
 * Every provider call is recorded as an attempt; the delivery ends sent, failed (permanent 4xx, device gone),
 * skipped, or retrying — re-sent later with exponential backoff through a delayed queue message — until
 * MAX_DELIVERY_ATTEMPTS, when it is given up. Expired push subscriptions (404/410) are deleted.
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';
import { unnestParams } from '#shared/db/unnest';
import {
  DEFAULT_ENABLED,
  DELIVERIES_PER_SEND,
  MAX_DELIVERY_ATTEMPTS,
  URGENT_KINDS,
} from '#shared/notifications/policy';
import { renderEmail, renderShort, type TemplateData } from '#shared/notifications/templates';
import { signUnsubscribeToken } from '#shared/notifications/unsubscribe-token';
import type { NotificationChannel, NotificationKind, NotificationSend } from '#shared/schemas/notifications';
import { sendEmail } from './channels/email';
import { sendFcm } from './channels/fcm';
import type { Outcome } from './channels/outcome';
import { sendWebPush } from './channels/webpush';
import type { NotificationConfig } from './config';
import { DELETE_DEVICES, DEVICES, type EuPush, type PushDevice } from './eu-push';
import type { EuNotificationSettings } from './eu-settings';
import { type PlannedSend, sendMessages } from './send-plan';

type Sql = NeonQueryFunction<false, false>;

/** A claim older than this belongs to a consumer that died mid-send: the message's redelivery may take it over. */
const STALE_CLAIM = `interval '2 minutes'`;

const CLAIM = `
with claimed as (
  update notification_deliveries d set status = 'sending', claimed_at = now(), attempts = d.attempts + 1, updated_at = now()
  where d.id = any($1::uuid[])
    and ((d.status in ('queued', 'retrying', 'deferred') and (d.not_before is null or d.not_before <= now()))
         or (d.status = 'sending' and d.claimed_at < now() - ${STALE_CLAIM}))
  returning d.id, d.event_id, d.user_id, d.channel, d.kind, d.data, d.attempts
)
select c.id, c.event_id as "eventId", c.user_id as "userId", c.channel, c.kind, c.data, c.attempts, u.email, u.deleted_at is not null as deleted, u.home_region = 'eu' as eu,
       coalesce(s.locale, 'en') as locale, coalesce(s.time_zone, 'UTC') as "timeZone", p.enabled as preference,
       coalesce((select array_agg(a.target_id::text) from notification_delivery_attempts a
                 where a.delivery_id = c.id and a.outcome = 'sent' and a.target_id is not null), '{}'::text[]) as "doneTargets"
from claimed c join users u on u.id = c.user_id
left join notification_settings s on s.user_id = c.user_id
left join notification_preferences p on p.user_id = c.user_id and p.kind = c.kind and p.channel = c.channel`;

/** Deliveries of this message that are not due yet (deferred past a queue's 12-hour delay limit, early arrival). */
const NOT_DUE = `
select id, not_before as "notBefore" from notification_deliveries
where id = any($1::uuid[]) and status in ('deferred', 'retrying') and not_before > now()`;

const RECORD_ATTEMPTS = `
insert into notification_delivery_attempts (delivery_id, attempt, target_id, outcome, http_status, error)
select * from unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::int[], $6::text[])`;

const UPDATE_DELIVERIES = `
update notification_deliveries d set status = t.status, last_error = t.error, not_before = t.not_before, claimed_at = null, updated_at = now()
from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) as t(id, status, error, not_before)
where d.id = t.id`;

interface Claimed {
  id: string;
  eventId: string;
  userId: string;
  channel: NotificationChannel;
  kind: NotificationKind;
  data: TemplateData & { showSlug?: string; showId?: string } & Record<string, unknown>;
  attempts: number;
  email: string;
  deleted: boolean;
  eu: boolean;
  locale: string;
  timeZone: string;
  preference: boolean | null;
  doneTargets: string[];
}

type Device = PushDevice;

export interface SendDeps {
  sql: Sql;
  config: NotificationConfig;
  fetch: typeof fetch;
  /** An EU fan's address, from the EU database (docs/operations.md, "Regions and residency"); absent: none is configured. */
  euEmail?: (userId: string) => Promise<string | null>;
  /** EU fans' push devices, in the EU database; absent: none is configured. */
  euPush?: EuPush;
  /** EU fans' notification settings and switches, in the EU database; absent: none is configured. */
  euSettings?: EuNotificationSettings;
  retryDelaySeconds(attempts: number): number;
  now?: Date;
}

export interface SendResult {
  claimed: number;
  statuses: Record<string, number>;
  sends: PlannedSend[];
}

type AttemptRow = {
  deliveryId: string;
  attempt: number;
  targetId: string | null;
  outcome: string;
  httpStatus: number | null;
  error: string | null;
};

export async function sendStep(message: NotificationSend, deps: SendDeps): Promise<SendResult> {
  const { sql, config } = deps;
  const now = deps.now ?? new Date();
  const [claimed, notDue] = (await sql.transaction([
    sql.query(CLAIM, [message.deliveryIds]),
    sql.query(NOT_DUE, [message.deliveryIds]),
  ])) as [Claimed[], { id: string; notBefore: string }[]];
  const later = sendMessages(notDue, now, DELIVERIES_PER_SEND);
  if (!claimed.length) return { claimed: 0, statuses: {}, sends: later };

  // An EU fan's language, time zone and switches are in the EU database; a row there wins over the primary's.
  const euFans = deps.euSettings ? [...new Set(claimed.filter((c) => c.eu).map((c) => c.userId))] : [];
  if (deps.euSettings && euFans.length) {
    const { settings, switches } = await deps.euSettings.of(euFans);
    for (const c of claimed) {
      if (!c.eu) continue;
      const own = settings.find((s) => s.userId === c.userId);
      if (own) Object.assign(c, { locale: own.locale, timeZone: own.timeZone });
      const sw = switches.find((s) => s.userId === c.userId && s.kind === c.kind && s.channel === c.channel);
      if (sw) c.preference = sw.enabled;
    }
  }

  const pushes = claimed.filter((c) => c.channel === 'webpush' || c.channel === 'fcm');
  // An EU fan's devices are in the EU database; one registered before they moved there may still be in the primary.
  const pushUsers = [...new Set(pushes.map((c) => c.userId))];
  const euPushUsers = [...new Set(pushes.filter((c) => c.eu && deps.euPush).map((c) => c.userId))];
  const [here, there] = await Promise.all([
    pushUsers.length ? sql.query(DEVICES, [pushUsers]).then((rows) => rows as Device[]) : [],
    euPushUsers.length && deps.euPush ? deps.euPush.devices(euPushUsers) : [],
  ]);
  const devices = [...here, ...there];

  const attempts: AttemptRow[] = [];
  const updates = {
    id: [] as string[],
    status: [] as string[],
    error: [] as (string | null)[],
    notBefore: [] as (string | null)[],
  };
  const gone: string[] = [];
  const retries: { id: string; notBefore: string }[] = [];

  const results = await mapLimit(claimed, 6, (delivery) => deliver(delivery, devices, deps));
  claimed.forEach((delivery, i) => {
    const outcomes = results[i]!;
    for (const o of outcomes) {
      attempts.push({
        deliveryId: delivery.id,
        attempt: delivery.attempts,
        targetId: o.targetId,
        outcome: o.outcome,
        httpStatus: o.httpStatus,
        error: o.error,
      });
      if (o.outcome === 'gone' && o.targetId) gone.push(o.targetId);
    }
    let status = summarise(outcomes.map((o) => o.outcome));
    const error = outcomes.find((o) => o.outcome !== 'sent' && o.error)?.error ?? null;
    let notBefore: string | null = null;
    if (status === 'retrying') {
      if (delivery.attempts >= MAX_DELIVERY_ATTEMPTS) {
        status = 'given_up';
        attempts.push({
          deliveryId: delivery.id,
          attempt: delivery.attempts,
          targetId: null,
          outcome: 'given_up',
          httpStatus: null,
          error,
        });
      } else {
        notBefore = new Date(now.getTime() + deps.retryDelaySeconds(delivery.attempts) * 1000).toISOString();
        retries.push({ id: delivery.id, notBefore });
      }
    }
    updates.id.push(delivery.id);
    updates.status.push(status);
    updates.error.push(status === 'sent' ? null : error);
    updates.notBefore.push(notBefore);
  });

  await sql.transaction([
    sql.query(
      RECORD_ATTEMPTS,
      unnestParams(attempts, ['deliveryId', 'attempt', 'targetId', 'outcome', 'httpStatus', 'error']),
    ),
    sql.query(UPDATE_DELIVERIES, [updates.id, updates.status, updates.error, updates.notBefore]),
    sql.query(DELETE_DEVICES, [gone]),
  ]);
  await deps.euPush?.remove(gone);
  const statuses: Record<string, number> = {};
  for (const s of updates.status) statuses[s] = (statuses[s] ?? 0) + 1;
  return { claimed: claimed.length, statuses, sends: [...later, ...sendMessages(retries, now, DELIVERIES_PER_SEND)] };
}

type TargetOutcome = {
  targetId: string | null;
  outcome: Outcome['outcome'] | 'skipped';
  httpStatus: number | null;
  error: string | null;
};

/** The delivery's status from its targets' outcomes: any transient failure → retry (only the unsent targets). */
function summarise(outcomes: TargetOutcome['outcome'][]): string {
  if (outcomes.includes('retry')) return 'retrying';
  if (outcomes.includes('sent')) return 'sent';
  if (outcomes.length && outcomes.every((o) => o === 'skipped')) return 'skipped';
  return 'failed';
}

const skipped = (error: string): TargetOutcome[] => [{ targetId: null, outcome: 'skipped', httpStatus: null, error }];

async function deliver(d: Claimed, devices: Device[], deps: SendDeps): Promise<TargetOutcome[]> {
  const { config } = deps;
  if (d.deleted) return skipped('account deleted');
  if (!(d.preference ?? DEFAULT_ENABLED[d.kind][d.channel])) return skipped('turned off by the user');
  const recipient = { locale: d.locale, timeZone: d.timeZone };
  const openUrl = `${config.webOrigin}/shows/${d.data.showSlug ?? d.data.showId ?? ''}`;
  const urgent = URGENT_KINDS.has(d.kind);
  const one = (o: Outcome, targetId: string | null = null): TargetOutcome => ({
    targetId,
    outcome: o.outcome,
    httpStatus: o.httpStatus,
    error: o.outcome === 'sent' ? null : o.error,
  });

  if (d.channel === 'email') {
    if (!config.email || !config.unsubscribeKey) return skipped('email is not configured');
    // An EU fan's address is in the EU database (docs/operations.md, "Regions and residency"); the primary has a
    // pseudonymous `.invalid` one, which no mail may go to.
    const to = d.email.endsWith('.invalid') ? await deps.euEmail?.(d.userId) : d.email;
    if (!to) return skipped('no email address in this region');
    const token = await signUnsubscribeToken(config.unsubscribeKey, { u: d.userId, k: d.kind, c: 'email' });
    const unsubscribe = `${config.apiOrigin}/v1/unsubscribe?token=${token}`;
    const rendered = renderEmail(d.kind, d.data, recipient, { open: openUrl, unsubscribe });
    return [
      one(
        await sendEmail(deps.fetch, config.email, {
          to,
          rendered,
          unsubscribeUrl: unsubscribe,
          idempotencyKey: `${d.eventId}/${d.userId}`,
        }),
      ),
    ];
  }
  const short = renderShort(d.kind, d.data, recipient);
  const targets = devices.filter(
    (dev) => dev.userId === d.userId && dev.type === d.channel && !d.doneTargets.includes(dev.id),
  );
  if (!targets.length) return skipped('no device registered');
  if (d.channel === 'webpush') {
    const vapid = config.vapid;
    if (!vapid) return skipped('web push is not configured');
    return Promise.all(
      targets.map(async (t) =>
        one(
          await sendWebPush(
            deps.fetch,
            vapid,
            { endpoint: t.endpoint, p256dh: t.p256dh ?? '', auth: t.auth ?? '' },
            { ...short, kind: d.kind, url: openUrl, data: { eventId: d.eventId } },
            urgent,
            config.pushHosts,
          ),
          t.id,
        ),
      ),
    );
  }
  if (d.channel === 'fcm') {
    const account = config.fcm;
    if (!account) return skipped('FCM is not configured');
    const results: TargetOutcome[] = [];
    // One after another: the first call fetches the access token the others reuse.
    for (const t of targets)
      results.push(
        one(
          await sendFcm(
            deps.fetch,
            account,
            t.endpoint,
            { ...short, url: openUrl, data: { kind: d.kind, eventId: d.eventId } },
            urgent,
          ),
          t.id,
        ),
      );
    return results;
  }
  return skipped(`channel ${d.channel} is not sent by the send step`);
}

/** Runs `fn` over `items` with at most `limit` in flight (Workers allow 6 simultaneous outbound connections). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}
