/**
 * The rules whose condition is "Postgres cannot be used" (postgres_unreachable, circuit_open) cannot keep their
 * lifecycle in Postgres while it holds. This isolate keeps it in memory instead, with the same pending → firing
 * → resolved steps and the same deliveries; once Postgres answers again the finished alert is written to
 * `alerts` for the history. Limitation (docs/operations.md#alerts): an isolate that is replaced during an outage
 * forgets it; PagerDuty's incident then stays open until resolved by hand (the new isolate triggers the same
 * dedup key again if the outage goes on).
 */
import type { Alert, AlertDelivery, AlertRule } from '#shared/schemas/alerts';
import type { AlertConfig } from './config';
import { delivery } from './lifecycle';

type InfraRule = Extract<AlertRule, 'postgres_unreachable' | 'circuit_open'>;

export class InfrastructureAlerts {
  #active = new Map<InfraRule, Alert>();
  /** Resolved alerts not yet written to Postgres. */
  #history: Alert[] = [];

  /** One evaluation of `rule`: whether its condition holds now. Returns the deliveries of its transition, if any. */
  observe(
    rule: InfraRule,
    holding: boolean,
    now: Date,
    config: AlertConfig,
    summary: string,
    subject = 'database',
  ): AlertDelivery[] {
    const at = now.toISOString();
    const current = this.#active.get(rule);
    const cfg = config.rules[rule];
    if (holding) {
      if (!current) {
        const firing = cfg.forMinutes === 0;
        const alert: Alert = {
          id: crypto.randomUUID(),
          rule,
          subject,
          state: firing ? 'firing' : 'pending',
          severity: cfg.severity,
          summary,
          value: 1,
          threshold: cfg.threshold,
          startedAt: at,
          firedAt: firing ? at : null,
          resolvedAt: null,
          lastSeenAt: at,
        };
        this.#active.set(rule, alert);
        return firing ? [delivery('trigger', alert)] : [];
      }
      current.lastSeenAt = at;
      if (current.state === 'pending' && now.getTime() - Date.parse(current.startedAt) >= cfg.forMinutes * 60_000) {
        current.state = 'firing';
        current.firedAt = at;
        return [delivery('trigger', current)];
      }
      return [];
    }
    if (!current) return [];
    this.#active.delete(rule);
    const resolved: Alert = { ...current, state: 'resolved', resolvedAt: at };
    if (!current.firedAt) return [];
    this.#history.push(resolved);
    return [delivery('resolve', resolved)];
  }

  active(): Alert[] {
    return [...this.#active.values()];
  }

  /** Hands over the resolved alerts to write; `restore` puts them back when the write failed. */
  takeHistory(): Alert[] {
    return this.#history.splice(0);
  }

  restore(alerts: Alert[]): void {
    this.#history.unshift(...alerts);
  }
}
