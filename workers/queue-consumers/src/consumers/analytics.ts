import { unnestParams } from '#shared/db/unnest';
import {
  REQUEST_METRICS_KIND,
  RequestMetricsData,
  type RequestMetricsRow,
  ROOM_PRESENCE_KIND,
  RoomPresenceData,
} from '#shared/schemas/analytics';
import { AnalyticsEvent } from '#shared/schemas/events';
import { storableJson } from '#shared/schemas/text';
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
      for (const [i, n] of r.latencyBuckets.entries()) m.latencyBuckets[i] = (m.latencyBuckets[i] ?? 0) + n;
    }
  }
  return [...merged.values()];
}

/** Product events become rows of analytics_events; the statements for one event list. */
export function insertEventsParams(events: AnalyticsEvent[]): unknown[] {
  return unnestParams(events, [
    'eventId',
    'kind',
    'at',
    (e) => e.userId ?? null,
    (e) => e.showId ?? null,
    (e) => JSON.stringify(e.data ?? {}),
  ]);
}

/** What one batch (or one message of it) writes. */
interface Writes {
  events: AnalyticsEvent[];
  metricRows: RequestMetricsRow[];
  presence: { showId: string; sockets: number; at: string; p95: number | null }[];
}

/** One message's writes, or undefined when its body does not match the schema of its kind. */
function writesOf(body: unknown): Writes | undefined {
  // Text Postgres cannot store (a NUL in a search query) is cleaned, not refused: the event is still worth keeping.
  const parsed = AnalyticsEvent.safeParse(storableJson(body));
  if (!parsed.success) return undefined;
  const event = parsed.data;
  if (event.kind === REQUEST_METRICS_KIND) {
    const data = RequestMetricsData.safeParse(event.data);
    return data.success ? { events: [], metricRows: data.data.rows, presence: [] } : undefined;
  }
  if (event.kind === ROOM_PRESENCE_KIND) {
    const data = RoomPresenceData.safeParse(event.data);
    return data.success && event.showId
      ? {
          events: [],
          metricRows: [],
          presence: [
            { showId: event.showId, sockets: data.data.sockets, at: event.at, p95: data.data.voteUpdateP95Ms ?? null },
          ],
        }
      : undefined;
  }
  return { events: [event], metricRows: [], presence: [] };
}

function merge(all: Writes[]): Writes {
  return {
    events: all.flatMap((w) => w.events),
    metricRows: all.flatMap((w) => w.metricRows),
    presence: all.flatMap((w) => w.presence),
  };
}

/** The writes in one transaction (one round trip). */
async function write(sql: ConsumerDeps['sql'], { events, metricRows, presence }: Writes): Promise<void> {
  const statements = [];
  if (events.length) statements.push(sql.query(INSERT_EVENTS, insertEventsParams(events)));
  if (metricRows.length) {
    const rows = mergeMetricRows(metricRows);
    statements.push(
      sql.query(
        UPSERT_REQUEST_METRICS,
        unnestParams(rows, [
          'minute',
          'route',
          'requests',
          'clientErrors',
          'serverErrors',
          (r) => JSON.stringify(r.latencyBuckets),
          'latencySumMs',
        ]),
      ),
    );
  }
  if (presence.length)
    statements.push(sql.query(UPSERT_PRESENCE, unnestParams(presence, ['showId', 'sockets', 'at', 'p95'])));
  await sql.transaction(statements);
}

/**
 * Stores a whole batch in one transaction (one round trip): product events into analytics_events (and, when
 * the binding exists, Analytics Engine data points), request-metrics aggregates into request_metrics and room
 * socket counts into room_presence. See docs/analytics.md.
 *
 * One bad message never takes the others with it: a body that fails its schema is retried alone (and reaches
 * the dead-letter queue alone), and when Postgres refuses the batch for a reason that is not transient (a
 * value it cannot take), each message is written in its own transaction, so the good ones are acked and only
 * the one Postgres refuses is retried. A transient failure (Postgres unreachable) retries the batch.
 */
export async function consumeAnalytics(
  batch: MessageBatch<unknown>,
  deps: ConsumerDeps,
  dataset?: AnalyticsEngineDataset,
): Promise<void> {
  const { sql, log } = deps;
  const accepted: { message: Message<unknown>; writes: Writes }[] = [];
  const retry = (message: Message<unknown>) =>
    message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
  for (const message of batch.messages) {
    const writes = writesOf(message.body);
    if (writes) accepted.push({ message, writes });
    else {
      log.error('analytics event rejected by schema', { messageId: message.id });
      retry(message);
    }
  }
  if (!accepted.length) return;
  const written: Writes[] = [];
  try {
    const all = merge(accepted.map((a) => a.writes));
    await write(sql, all);
    for (const { message } of accepted) message.ack();
    written.push(all);
  } catch (err) {
    const transient = isTransient(err);
    log.warn('analytics batch failed', { err, transient });
    if (transient || accepted.length === 1) {
      for (const { message } of accepted) retry(message);
      return;
    }
    // Find the message(s) Postgres refuses: each alone, so the rest are stored now.
    for (const { message, writes } of accepted) {
      try {
        await write(sql, writes);
        message.ack();
        written.push(writes);
      } catch (err) {
        log.error('analytics event refused by postgres; retrying it alone', {
          err,
          messageId: message.id,
          attempts: message.attempts,
        });
        retry(message);
      }
    }
  }
  // After the commit, so a retried batch does not write its points twice.
  try {
    writeDataPoints(
      dataset,
      written.flatMap((w) => w.events),
    );
  } catch (err) {
    log.warn('analytics engine write failed', { err });
  }
}
