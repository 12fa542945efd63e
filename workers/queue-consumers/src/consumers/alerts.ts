/**
 * Delivers alert transitions (src/shared/schemas/alerts.ts) to PagerDuty's Events API v2 and to a generic JSON
 * webhook, each configured by a secret (a receiver without one is off). A receiver that is down or throttles
 * (network error, 429, 5xx) gets the message again with backoff, up to the queue's max_retries, then the
 * dead-letter queue; a 4xx other than 429 will not get better and is logged, not retried. A retry sends to both
 * receivers again: PagerDuty de-duplicates on `dedup_key`, and the webhook's payload carries the same key.
 */
import { type AlertDelivery, AlertDelivery as AlertDeliverySchema } from '#shared/schemas/alerts';
import { type ConsumerDeps, retryRejected } from './retry-policy';

export interface AlertReceivers {
  pagerDuty?: { url: string; routingKey: string };
  webhook?: { url: string };
  /** Linked from each alert: where operators look (the web app's /ops). */
  opsUrl?: string;
}

export function alertReceivers(env: {
  PAGERDUTY_EVENTS_URL?: string;
  PAGERDUTY_ROUTING_KEY?: string;
  ALERT_WEBHOOK_URL?: string;
  PUBLIC_WEB_ORIGIN?: string;
}): AlertReceivers {
  return {
    ...(env.PAGERDUTY_ROUTING_KEY
      ? {
          pagerDuty: {
            url: env.PAGERDUTY_EVENTS_URL || 'https://events.pagerduty.com/v2/enqueue',
            routingKey: env.PAGERDUTY_ROUTING_KEY,
          },
        }
      : {}),
    ...(env.ALERT_WEBHOOK_URL ? { webhook: { url: env.ALERT_WEBHOOK_URL } } : {}),
    ...(env.PUBLIC_WEB_ORIGIN ? { opsUrl: `${env.PUBLIC_WEB_ORIGIN.replace(/\/+$/, '')}/ops` } : {}),
  };
}

/** The Events API v2 body (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
export function pagerDutyEvent(d: AlertDelivery, routingKey: string, opsUrl?: string) {
  if (d.action === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: d.dedupKey };
  const a = d.alert;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: d.dedupKey,
    payload: {
      summary: a.summary.slice(0, 1024),
      source: 'mysetlist',
      severity: a.severity,
      timestamp: a.firedAt ?? a.startedAt,
      component: a.subject,
      group: a.rule,
      class: a.rule,
      custom_details: { value: a.value, threshold: a.threshold, startedAt: a.startedAt, alertId: a.id },
    },
    ...(opsUrl ? { links: [{ href: opsUrl, text: 'MySetlist /ops' }] } : {}),
  };
}

/** The generic webhook's body: the whole alert, its transition and its de-duplication key. */
export function webhookBody(d: AlertDelivery, opsUrl?: string) {
  return { version: 1, action: d.action, dedupKey: d.dedupKey, alert: d.alert, ...(opsUrl ? { opsUrl } : {}) };
}

class RetryableDelivery extends Error {}

async function post(fetcher: typeof fetch, url: string, body: unknown, receiver: string): Promise<void> {
  let res: Response;
  try {
    res = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new RetryableDelivery(`${receiver}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (res.ok) return;
  const text = (await res.text()).slice(0, 300);
  if (res.status === 429 || res.status >= 500)
    throw new RetryableDelivery(`${receiver} answered ${res.status}: ${text}`);
  throw new Error(`${receiver} refused the alert (${res.status}): ${text}`);
}

export interface AlertDeliveryDeps extends ConsumerDeps {
  receivers: AlertReceivers;
  fetch: typeof fetch;
}

export async function consumeAlerts(batch: MessageBatch<unknown>, deps: AlertDeliveryDeps): Promise<void> {
  const { receivers, log } = deps;
  for (const message of batch.messages) {
    const parsed = AlertDeliverySchema.safeParse(message.body);
    if (!parsed.success) {
      retryRejected(message, 'alert delivery', parsed.error, deps);
      continue;
    }
    const d = parsed.data;
    const sends: Promise<void>[] = [];
    if (receivers.pagerDuty)
      sends.push(
        post(
          deps.fetch,
          receivers.pagerDuty.url,
          pagerDutyEvent(d, receivers.pagerDuty.routingKey, receivers.opsUrl),
          'PagerDuty',
        ),
      );
    if (receivers.webhook)
      sends.push(post(deps.fetch, receivers.webhook.url, webhookBody(d, receivers.opsUrl), 'webhook'));
    if (!sends.length)
      log.warn('alert not delivered: no receiver configured', { dedupKey: d.dedupKey, action: d.action });
    const failures = (await Promise.allSettled(sends)).flatMap((r) =>
      r.status === 'rejected' ? [r.reason as Error] : [],
    );
    if (failures.some((e) => e instanceof RetryableDelivery)) {
      log.warn('alert delivery failed, will retry', {
        dedupKey: d.dedupKey,
        attempts: message.attempts,
        err: failures[0],
      });
      message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
      continue;
    }
    for (const err of failures) log.error('alert delivery refused', { dedupKey: d.dedupKey, err });
    if (!failures.length)
      log.info('alert delivered', { dedupKey: d.dedupKey, action: d.action, receivers: sends.length });
    message.ack();
  }
}
