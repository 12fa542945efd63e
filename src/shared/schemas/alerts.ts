/**
 * Alerts (docs/operations.md#alerts): the rules' names, and the message the api's alert evaluator puts on the
 * `mysetlist-alerts` queue for each transition to deliver (PagerDuty Events API v2, a generic JSON webhook).
 */
import { z } from 'zod';

export const AlertRule = z.enum([
  'route_error_rate',
  'route_p95',
  'vote_update_p95',
  'queue_lag',
  'dead_letters',
  'circuit_open',
  'postgres_unreachable',
  'anomalies_flagged',
]);
export type AlertRule = z.infer<typeof AlertRule>;

export const AlertSeverity = z.enum(['critical', 'error', 'warning']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

export const AlertState = z.enum(['pending', 'firing', 'resolved']);
export type AlertState = z.infer<typeof AlertState>;

export const Alert = z
  .object({
    id: z.uuid(),
    rule: AlertRule,
    /** What the rule is about: a route, a queue, a room's show id, `database`. */
    subject: z.string(),
    state: AlertState,
    severity: AlertSeverity,
    summary: z.string(),
    value: z.number(),
    threshold: z.number(),
    startedAt: z.string(),
    firedAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    lastSeenAt: z.string(),
  })
  .meta({ id: 'Alert' });
export type Alert = z.infer<typeof Alert>;

/** One delivery: `trigger` when an alert starts firing, `resolve` when it is resolved. */
export const AlertDelivery = z.object({
  v: z.literal(1),
  action: z.enum(['trigger', 'resolve']),
  /** Stable for the rule and subject: PagerDuty's dedup_key, so repeats and the resolve find one incident. */
  dedupKey: z.string().max(255),
  alert: Alert,
});
export type AlertDelivery = z.infer<typeof AlertDelivery>;

export const alertDedupKey = (rule: AlertRule, subject: string) => `mysetlist:${rule}:${subject}`.slice(0, 255);
