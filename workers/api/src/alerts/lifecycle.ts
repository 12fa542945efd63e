/**
 * The lifecycle of alerts in Postgres (table `alerts`): a rule's condition holding on a subject opens a `pending`
 * alert, which turns `firing` once the condition has held for the rule's `forMinutes`; an alert whose condition
 * no longer holds is `resolved` (silently when it never fired). At most one active alert per rule and subject
 * (unique partial index), so a condition that keeps holding is one alert, however many minutes it lasts, and two
 * overlapping evaluations cannot open two. Each transition to firing or resolved becomes one delivery.
 */
import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { alerts } from '#shared/db/schema';
import { type Alert, type AlertDelivery, type AlertRule, alertDedupKey } from '#shared/schemas/alerts';
import type { AlertConfig } from './config';
import type { Observation } from './rules';

type AlertRow = typeof alerts.$inferSelect;

export function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    rule: r.rule as AlertRule,
    subject: r.subject,
    state: r.state,
    severity: r.severity,
    summary: r.summary,
    value: r.value,
    threshold: r.threshold,
    startedAt: r.startedAt.toISOString(),
    firedAt: r.firedAt?.toISOString() ?? null,
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
    lastSeenAt: r.lastSeenAt.toISOString(),
  };
}

export function delivery(action: AlertDelivery['action'], alert: Alert): AlertDelivery {
  return { v: 1, action, dedupKey: alertDedupKey(alert.rule, alert.subject), alert };
}

const key = (rule: string, subject: string) => `${rule}\u0000${subject}`;

/**
 * Applies one evaluation of `rules` (the rules that were evaluated: only their alerts may resolve) with the
 * subjects where the condition holds (`holding`). Returns the deliveries of the transitions it made.
 */
export async function applyObservations(
  db: Database,
  now: Date,
  config: AlertConfig,
  rules: readonly AlertRule[],
  holding: Observation[],
): Promise<AlertDelivery[]> {
  const d = db.$primary;
  const deliveries: AlertDelivery[] = [];
  const active = rules.length
    ? await d
        .select()
        .from(alerts)
        .where(and(inArray(alerts.rule, [...rules]), ne(alerts.state, 'resolved')))
    : [];
  const activeByKey = new Map(active.map((a) => [key(a.rule, a.subject), a]));
  const seen = new Set<string>();

  for (const o of holding) {
    const k = key(o.rule, o.subject);
    if (seen.has(k)) continue;
    seen.add(k);
    const rule = config.rules[o.rule];
    const existing = activeByKey.get(k);
    const fields = { value: o.value, threshold: o.threshold, summary: o.summary, lastSeenAt: now };
    if (!existing) {
      const firing = rule.forMinutes === 0;
      const [row] = await d
        .insert(alerts)
        .values({
          rule: o.rule,
          subject: o.subject,
          state: firing ? 'firing' : 'pending',
          severity: rule.severity,
          startedAt: now,
          firedAt: firing ? now : null,
          ...fields,
        })
        .onConflictDoNothing()
        .returning();
      if (row && firing) deliveries.push(delivery('trigger', toAlert(row)));
      continue;
    }
    const due =
      existing.state === 'pending' && now.getTime() - existing.startedAt.getTime() >= rule.forMinutes * 60_000;
    const [row] = await d
      .update(alerts)
      .set(due ? { ...fields, state: 'firing', firedAt: now } : fields)
      // The state it was read in: a concurrent evaluation that moved it on wins, and this one delivers nothing.
      .where(and(eq(alerts.id, existing.id), eq(alerts.state, existing.state)))
      .returning();
    if (row && due) deliveries.push(delivery('trigger', toAlert(row)));
  }

  const cleared = active.filter((a) => !seen.has(key(a.rule, a.subject)));
  if (cleared.length) {
    const rows = await d
      .update(alerts)
      .set({ state: 'resolved', resolvedAt: now })
      .where(
        and(
          inArray(
            alerts.id,
            cleared.map((a) => a.id),
          ),
          ne(alerts.state, 'resolved'),
        ),
      )
      .returning({ id: alerts.id, firedAt: alerts.firedAt });
    for (const r of rows) {
      if (!r.firedAt) continue;
      const before = cleared.find((a) => a.id === r.id);
      if (before)
        deliveries.push(delivery('resolve', { ...toAlert(before), state: 'resolved', resolvedAt: now.toISOString() }));
    }
  }
  return deliveries;
}
