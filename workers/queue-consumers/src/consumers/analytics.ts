import {
  REQUEST_METRICS_KIND,
  RequestMetricsData,
  type RequestMetricsRow,
  ROOM_PRESENCE_KIND,
  RoomPresenceData,
} from '#shared/schemas/analytics';
import { AnalyticsEvent } from '#shared/schemas/events';
import { writeDataPoints } from './analytics-engine';
import { type ConsumerDeps, isTransient } from './retry-policy';

// Idempotent on (event_id, at): an event's time never changes, so a redelivery hits the same partition and row.
export const INSERT_EVENTS = `
insert into analytics_events (event_id, kind, at, user_id, show_id, data)
select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[], $5::uuid[], $6::jsonb[])
on conflict (event_id, at) do nothing`;

// Isolates' aggregates are added in, histogram bucket by bucket. Not idempotent: a redelivered flush counts
// twice, an accepted imprecision for operational figures (a retry follows a failed write, which adds nothing).
const UPSERT_REQUEST_METRICS = `
insert into request_metrics (minute, route, requests, client_errors, server_errors, latency_buckets, latency_sum_ms)
select t.minute, t.route, t.requests, t.client_errors, t.server_errors, array(select jsonb_array_elements_text(t.buckets)::int), t.sum_ms
from unnest($1::timestamptz[], $2::text[], $3::int[], $4::int[], $5::int[], $6::jsonb[], $7::float8[])
  as t(minute, route, requests, client_errors, server_errors, buckets, sum_ms)
on conflict (minute, route) do update set
  requests = request_metrics.requests + excluded.requests,
  client_errors = request_metrics.client_errors + excluded.client_errors,
  server_errors = request_metrics.server_errors + excluded.server_errors,
  latency_buckets = array(select a + b from unnest(request_metrics.latency_buckets, excluded.latency_buckets) as u(a, b)),
  latency_sum_ms = request_metrics.latency_sum_ms + excluded.latency_sum_ms`;

// The newest report per room wins; an older one delivered late changes nothing.
const UPSERT_PRESENCE = `
insert into room_presence (show_id, sockets, reported_at, vote_update_p95_ms)
select distinct on (show_id) show_id, sockets, reported_at, p95
from unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::int[]) as t(show_id, sockets, reported_at, p95)
order by show_id, reported_at desc
on conflict (show_id) do update set sockets = excluded.sockets, reported_at = excluded.reported_at,
  vote_update_p95_ms = excluded.vote_update_p95_ms
where room_presence.reported_at < excluded.reported_at`;

/** One row per (minute, route): an upsert may not touch the same row twice in one statement. */
export function mergeMetricRows(rows: RequestMetricsRow[]): RequestMetricsRow[] {
  const merged = new Map<string, RequestMetricsRow>();
  for (const r of rows) {
    const key = `${new Date(r.minute).toISOString()} ${r.route}`;
    const m = merged.get(key);
    if (!m) merged.set(key, { ...r, latencyBuckets: [...r.latencyBuckets] });
    else {
      m.requests += r.requests;
      m.clientErrors += r.clientErrors;
      m.serverErrors += r.serverErrors;
      m.latencySumMs += r.latencySumMs;
      r.latencyBuckets.forEach((n, i) => (m.latencyBuckets[i] = (m.latencyBuckets[i] ?? 0) + n));
    }
  }
  return [...merged.values()];
}

/** Product events become rows of analytics_events; the statements for one event list. */
export function insertEventsParams(events: AnalyticsEvent[]): unknown[] {
  return [
    events.map((e) => e.eventId),
    events.map((e) => e.kind),
    events.map((e) => e.at),
    events.map((e) => e.userId ?? null),
    events.map((e) => e.showId ?? null),
    events.map((e) => JSON.stringify(e.data ?? {})),
  ];
}

/**
 * Stores a whole batch in one transaction (one round trip): product events into analytics_events (and, when
 * the binding exists, Analytics Engine data points), request-metrics aggregates into request_metrics and room
 * socket counts into room_presence. See docs/analytics.md.
 */
export async function consumeAnalytics(
  batch: MessageBatch<unknown>,
  deps: ConsumerDeps,
  dataset?: AnalyticsEngineDataset,
): Promise<void> {
  const { sql, log } = deps;
  const events: AnalyticsEvent[] = [];
  const metricRows: RequestMetricsRow[] = [];
  const presence: { showId: string; sockets: number; at: string; p95: number | null }[] = [];
  const messages: Message<unknown>[] = [];
  for (const message of batch.messages) {
    const parsed = AnalyticsEvent.safeParse(message.body);
    const event = parsed.success ? parsed.data : undefined;
    let accepted = false;
    if (event?.kind === REQUEST_METRICS_KIND) {
      const data = RequestMetricsData.safeParse(event.data);
      if (data.success) {
        metricRows.push(...data.data.rows);
        accepted = true;
      }
    } else if (event?.kind === ROOM_PRESENCE_KIND) {
      const data = RoomPresenceData.safeParse(event.data);
      if (data.success && event.showId) {
        presence.push({
          showId: event.showId,
          sockets: data.data.sockets,
          at: event.at,
          p95: data.data.voteUpdateP95Ms ?? null,
        });
        accepted = true;
      }
    } else if (event) {
      events.push(event);
      accepted = true;
    }
    if (accepted) messages.push(message);
    else {
      log.error('analytics event rejected by schema', { messageId: message.id });
      message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    }
  }
  if (!messages.length) return;
  try {
    const statements = [];
    if (events.length) statements.push(sql.query(INSERT_EVENTS, insertEventsParams(events)));
    if (metricRows.length) {
      const rows = mergeMetricRows(metricRows);
      statements.push(
        sql.query(UPSERT_REQUEST_METRICS, [
          rows.map((r) => r.minute),
          rows.map((r) => r.route),
          rows.map((r) => r.requests),
          rows.map((r) => r.clientErrors),
          rows.map((r) => r.serverErrors),
          rows.map((r) => JSON.stringify(r.latencyBuckets)),
          rows.map((r) => r.latencySumMs),
        ]),
      );
    }
    if (presence.length)
      statements.push(
        sql.query(UPSERT_PRESENCE, [
          presence.map((p) => p.showId),
          presence.map((p) => p.sockets),
          presence.map((p) => p.at),
          presence.map((p) => p.p95),
        ]),
      );
    await sql.transaction(statements);
    for (const message of messages) message.ack();
  } catch (err) {
    log.warn('analytics batch failed', { err, transient: isTransient(err) });
    for (const message of messages) message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    return;
  }
  // After the commit, so a retried batch does not write its points twice.
  try {
    writeDataPoints(dataset, events);
  } catch (err) {
    log.warn('analytics engine write failed', { err });
  }
}
