import { NotificationEvent } from '#shared/schemas/events';
import { NotificationPipelineMessage } from '#shared/schemas/notifications';
import { storableJson } from '#shared/schemas/text';
import type { NotificationConfig } from '../notifications/config';
import { deliverStep } from '../notifications/deliver';
import type { EuPush } from '../notifications/eu-push';
import type { EuNotificationSettings } from '../notifications/eu-settings';
import { fanoutStep } from '../notifications/fanout';
import { sendStep } from '../notifications/send';
import { type ConsumerDeps, retryRejected } from './retry-policy';

const INSERT_INBOX = `
insert into notifications (event_id, user_id, kind, data)
select $1::uuid, u.id, $2::text, $3::jsonb
from unnest($4::uuid[]) as r(id) join users u on u.id = r.id and u.deleted_at is null
on conflict (event_id, user_id) do nothing`;

export interface NotificationDeps extends ConsumerDeps {
  queue: Queue;
  config: NotificationConfig;
  fetch: typeof fetch;
  euEmail?: (userId: string) => Promise<string | null>;
  euPush?: EuPush;
  euSettings?: EuNotificationSettings;
}

/**
 * The notification pipeline (docs/notifications.md): `fanout` pages recipients, `deliver` records deliveries
 * and writes the inbox, `send` calls the providers. Version-1 messages (a ready list of user ids) still go
 * straight to the in-app inbox. Deleted accounts are skipped at every step, so work queued before a deletion
 * cannot bring personal data back. A message that fails for a database reason is retried with backoff and, past
 * the queue's retry limit, lands in the dead-letter queue (replayable with `npm run dlq:replay`). Each message
 * is acked or retried on its own, so one that fails never holds back the others of its batch.
 */
export async function consumeNotifications(batch: MessageBatch<unknown>, deps: NotificationDeps): Promise<void> {
  const { sql, log } = deps;
  for (const message of batch.messages) {
    try {
      // Text Postgres cannot store (a NUL in a song title or a name) is cleaned, so the notification still goes out.
      const body = storableJson(message.body);
      const pipeline = NotificationPipelineMessage.safeParse(body);
      if (pipeline.success) {
        await handle(pipeline.data, deps);
        message.ack();
        continue;
      }
      const legacy = NotificationEvent.safeParse(body);
      if (!legacy.success) {
        retryRejected(message, 'notification', pipeline.error, deps);
        continue;
      }
      const event = legacy.data;
      await sql.query(INSERT_INBOX, [event.eventId, event.kind, JSON.stringify(event.data), event.userIds]);
      message.ack();
    } catch (err) {
      log.warn('notification step failed, will retry', { err, messageId: message.id, attempts: message.attempts });
      message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    }
  }
}

async function handle(message: NotificationPipelineMessage, deps: NotificationDeps): Promise<void> {
  const { sql, log, queue } = deps;
  switch (message.type) {
    case 'fanout': {
      const step = await fanoutStep(sql, message);
      if (step.messages.length)
        await queue.sendBatch(step.messages.map((body) => ({ body, contentType: 'json' as const })));
      log.info('notification fan-out step', {
        eventId: message.eventId,
        kind: message.trigger.kind,
        recipients: step.recipients,
        messages: step.messages.length,
      });
      return;
    }
    case 'deliver': {
      const result = await deliverStep(sql, message, deps.config, new Date(), deps.euPush, deps.euSettings);
      await sendAll(queue, result.sends);
      log.info('notification deliveries recorded', {
        eventId: message.eventId,
        deliveries: result.deliveries,
        sendMessages: result.sends.length,
      });
      return;
    }
    case 'send': {
      const result = await sendStep(message, {
        sql,
        config: deps.config,
        fetch: deps.fetch,
        retryDelaySeconds: deps.retryDelaySeconds,
        ...(deps.euEmail ? { euEmail: deps.euEmail } : {}),
        ...(deps.euPush ? { euPush: deps.euPush } : {}),
        ...(deps.euSettings ? { euSettings: deps.euSettings } : {}),
      });
      await sendAll(queue, result.sends);
      log.info('notifications sent', {
        claimed: result.claimed,
        statuses: result.statuses,
        followUps: result.sends.length,
      });
      return;
    }
  }
}

async function sendAll(queue: Queue, sends: { body: unknown; delaySeconds: number }[]): Promise<void> {
  for (let i = 0; i < sends.length; i += 100) {
    await queue.sendBatch(
      sends
        .slice(i, i + 100)
        .map((s) => ({ body: s.body, contentType: 'json' as const, delaySeconds: s.delaySeconds })),
    );
  }
}
