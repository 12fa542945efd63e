/**
 * The alert rules on what the system already records (docs/operations.md#alerts). Each rule reads one table over
 * the config's window and returns the subjects where its condition holds now; the lifecycle (lifecycle.ts) turns
 * those into pending, firing and resolved alerts. The infrastructure rules (circuit_open, postgres_unreachable)
 * cannot be read from Postgres while it is down: they are observed by the job itself (job.ts).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import type { AlertRule } from '#shared/schemas/alerts';
import { LATENCY_BUCKETS } from '#shared/schemas/analytics';
import { quantileFromBuckets } from '../analytics/request-metrics';
import type { AlertConfig } from './config';

export interface Observation {
  rule: AlertRule;
  subject: string;
  value: number;
  threshold: number;
  summary: string;
}

export const POSTGRES_RULES = [
  'route_error_rate',
  'route_p95',
  'vote_update_p95',
  'queue_lag',
  'dead_letters',
  'anomalies_flagged',
] as const satisfies AlertRule[];
type PostgresRule = (typeof POSTGRES_RULES)[number];

const pct = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`;

/** Every Postgres rule's breaching subjects now (all rules are read in one round trip each, in parallel). */
export async function observePostgresRules(db: Database, now: Date, config: AlertConfig): Promise<Observation[]> {
  const from = new Date(now.getTime() - config.windowMinutes * 60_000).toISOString();
  const to = now.toISOString();
  const r = config.rules;
  const d = db.$primary;
  const [routes, rooms, lags, dead, anomalies] = await Promise.all([
    d.execute<{ route: string; requests: number; server_errors: number; latency_buckets: number[] }>(sql`
      select route, requests, server_errors, latency_buckets from request_metrics
      where minute >= date_trunc('minute', ${from}::timestamptz) and minute <= ${to}::timestamptz`),
    d.execute<{ show_id: string; p95: number }>(sql`
      select show_id::text, vote_update_p95_ms as p95 from room_presence
      where reported_at >= ${from}::timestamptz and vote_update_p95_ms >= ${r.vote_update_p95.threshold}`),
    d.execute<{ queue: string; avg_ms: number }>(sql`
      select queue, (sum(lag_sum_ms) / nullif(sum(messages), 0))::float8 as avg_ms from queue_lag
      where minute >= date_trunc('minute', ${from}::timestamptz) group by queue`),
    d.execute<{ queue: string; n: number }>(sql`
      select queue, count(*)::int as n from dead_letters
      where received_at >= ${from}::timestamptz and replayed_at is null group by queue`),
    d.execute<{ show_id: string; n: number }>(sql`
      select show_id::text, count(*)::int as n from vote_anomalies
      where status = 'open' and detected_at >= ${from}::timestamptz group by show_id`),
  ]);

  const out: Observation[] = [];
  /** An observation when `value` reaches the rule's threshold (over at least the rule's minRequests). */
  const breach = (rule: PostgresRule, subject: string, value: number, summary: string, requests = Infinity) => {
    const { threshold, minRequests = 0 } = r[rule];
    if (value >= threshold && requests >= minRequests) out.push({ rule, subject, value, threshold, summary });
  };
  const window = `over ${config.windowMinutes} min`;
  const byRoute = new Map<string, { requests: number; server_errors: number; latency_buckets: number[] }>();
  for (const row of routes.rows) {
    const agg = byRoute.get(row.route) ?? {
      requests: 0,
      server_errors: 0,
      latency_buckets: Array<number>(LATENCY_BUCKETS).fill(0),
    };
    agg.requests += Number(row.requests);
    agg.server_errors += Number(row.server_errors);
    row.latency_buckets.forEach((n, i) => {
      agg.latency_buckets[i] = (agg.latency_buckets[i] ?? 0) + Number(n);
    });
    byRoute.set(row.route, agg);
  }
  for (const [route, row] of byRoute) {
    const requests = Number(row.requests);
    const errorRate = requests ? Number(row.server_errors) / requests : 0;
    const p95 = quantileFromBuckets(row.latency_buckets, 0.95)?.ms ?? 0;
    breach(
      'route_error_rate',
      route,
      errorRate,
      `${route}: ${pct(errorRate)} of ${requests} requests answered 5xx ${window} (threshold ${pct(r.route_error_rate.threshold)})`,
      requests,
    );
    breach(
      'route_p95',
      route,
      p95,
      `${route}: p95 ${p95} ms ${window} (threshold ${r.route_p95.threshold} ms)`,
      requests,
    );
  }
  for (const { show_id, p95 } of rooms.rows)
    breach(
      'vote_update_p95',
      show_id,
      Number(p95),
      `Room of show ${show_id}: vote→update p95 ${p95} ms (threshold ${r.vote_update_p95.threshold} ms)`,
    );
  for (const { queue, avg_ms } of lags.rows) {
    const avg = Math.round(Number(avg_ms ?? 0));
    breach(
      'queue_lag',
      queue,
      avg,
      `${queue}: messages wait ${avg} ms on average before a consumer gets them ${window} (threshold ${r.queue_lag.threshold} ms)`,
    );
  }
  for (const { queue, n } of dead.rows)
    breach('dead_letters', queue, n, `${queue}: ${n} message(s) dead-lettered ${window} and not replayed`);
  for (const { show_id, n } of anomalies.rows)
    breach(
      'anomalies_flagged',
      show_id,
      n,
      `Show ${show_id}: ${n} vote anomal${n === 1 ? 'y' : 'ies'} flagged ${window}, not reviewed`,
    );
  return out;
}
