/** Groups deliveries into send messages: ids due together share a message and a queue delay. */
import { MAX_QUEUE_DELAY_SECONDS } from '#shared/notifications/policy';
import type { NotificationSend } from '#shared/schemas/notifications';

export interface PlannedSend {
  body: NotificationSend;
  delaySeconds: number;
}

export function sendMessages(
  pending: { id: string; notBefore: string | Date | null }[],
  now: Date,
  perMessage: number,
): PlannedSend[] {
  const byDelay = new Map<number, string[]>();
  for (const p of pending) {
    const seconds = p.notBefore ? Math.ceil((new Date(p.notBefore).getTime() - now.getTime()) / 1000) : 0;
    // Rounded up to the minute, so deliveries deferred to the same morning share messages.
    const delay = Math.min(MAX_QUEUE_DELAY_SECONDS, seconds <= 0 ? 0 : Math.ceil(seconds / 60) * 60);
    byDelay.set(delay, [...(byDelay.get(delay) ?? []), p.id]);
  }
  const out: PlannedSend[] = [];
  for (const [delaySeconds, ids] of byDelay) {
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += perMessage)
      out.push({ body: { v: 2, type: 'send', deliveryIds: unique.slice(i, i + perMessage) }, delaySeconds });
  }
  return out;
}
