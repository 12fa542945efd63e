/**
 * The alert evaluator, run every minute by the api's `* * * * *` cron (index.ts): observes every rule, moves the
 * alerts through their lifecycle and queues one delivery per transition on `mysetlist-alerts` (the queue
 * consumers deliver them to PagerDuty and the webhook, with retries). It also applies the trace-hop retention
 * (one indexed delete). Never throws: a failed step is logged and the next minute tries again.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { alerts } from '#shared/db/schema';
import type { Logger } from '#shared/log';
import type { AlertDelivery } from '#shared/schemas/alerts';
import { deleteOldTraceHops } from '../ops/traces';
import { databaseBreaker } from '../resilience/database-breaker';
import { alertConfig } from './config';
import { InfrastructureAlerts } from './infrastructure';
import { applyObservations } from './lifecycle';
import { observePostgresRules, POSTGRES_RULES } from './rules';

/** This isolate's memory of the infrastructure alerts (infrastructure.ts). */
const infrastructure = new InfrastructureAlerts();

export interface AlertJobDeps {
  db: Database;
  env: Pick<
    Env,
    'ALERTS' | 'ALERT_RULES' | 'TRACE_RETENTION_HOURS' | 'DB_BREAKER_COOLDOWN_SECONDS' | 'DB_TIMEOUT_MS' | 'LOG_LEVEL'
  >;
  now: Date;
  log: Logger;
  /** Tests pass their own, to start from a clean memory. */
  infra?: InfrastructureAlerts;
}

export async function evaluateAlerts(deps: AlertJobDeps): Promise<{
  reachable: boolean;
  holding: number;
  deliveries: number;
}> {
  const { db, env, now, log } = deps;
  const infra = deps.infra ?? infrastructure;
  const { config, error } = alertConfig(env.ALERT_RULES);
  if (error) log.warn(error);
  const deliveries: AlertDelivery[] = [];
  let reachable = true;
  let holding = 0;
  try {
    await db.$primary.execute(sql`select 1`);
  } catch (err) {
    reachable = false;
    log.warn('alerts: postgres unreachable', { err });
  }
  const circuit = databaseBreaker(env).state;
  deliveries.push(
    ...infra.observe(
      'postgres_unreachable',
      !reachable,
      now,
      config,
      'Postgres does not answer the alert evaluator (select 1 failed).',
    ),
    ...infra.observe(
      'circuit_open',
      circuit !== 'closed',
      now,
      config,
      `The api's database circuit breaker is ${circuit}: writes are refused with 503, reads served from cache.`,
    ),
  );
  if (reachable) {
    try {
      const observed = await observePostgresRules(db, now, config);
      holding = observed.length;
      deliveries.push(...(await applyObservations(db, now, config, POSTGRES_RULES, observed)));
      await writeHistory(db, infra);
    } catch (err) {
      log.error('alerts: evaluation failed', { err });
    }
    try {
      const hours = Number(env.TRACE_RETENTION_HOURS) || 72;
      await deleteOldTraceHops(db, now, hours);
    } catch (err) {
      log.warn('trace hop retention failed', { err });
    }
  }
  if (deliveries.length) {
    try {
      for (let i = 0; i < deliveries.length; i += 100)
        await env.ALERTS.sendBatch(
          deliveries.slice(i, i + 100).map((body) => ({ body, contentType: 'json' as const })),
        );
    } catch (err) {
      // The transitions are stored; only their delivery is lost. Logged loudly: this is the pager path.
      log.error('alerts: deliveries not queued', { err, deliveries: deliveries.map((d) => d.dedupKey) });
    }
    for (const d of deliveries)
      log.warn(`alert ${d.action}`, { rule: d.alert.rule, subject: d.alert.subject, summary: d.alert.summary });
  }
  return { reachable, holding, deliveries: deliveries.length };
}

async function writeHistory(db: Database, infra: InfrastructureAlerts): Promise<void> {
  const resolved = infra.takeHistory();
  if (!resolved.length) return;
  try {
    await db.$primary
      .insert(alerts)
      .values(
        resolved.map((a) => ({
          id: a.id,
          rule: a.rule,
          subject: a.subject,
          state: 'resolved' as const,
          severity: a.severity,
          summary: a.summary,
          value: a.value,
          threshold: a.threshold,
          startedAt: new Date(a.startedAt),
          firedAt: a.firedAt ? new Date(a.firedAt) : null,
          resolvedAt: a.resolvedAt ? new Date(a.resolvedAt) : null,
          lastSeenAt: new Date(a.lastSeenAt),
        })),
      )
      .onConflictDoNothing();
  } catch (err) {
    infra.restore(resolved);
    throw err;
  }
}
