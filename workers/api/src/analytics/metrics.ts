/**
 * GET /v1/admin/metrics: every figure is computed from what the system records (docs/analytics.md, "Metrics"):
 * - votes per minute, top shows: `vote`/`unvote` rows of analytics_events (derived by the vote consumer);
 * - active rooms and sockets: room_presence (each room's latest report, fresher than PRESENCE_STALE_SECONDS);
 * - queue lag: queue_lag (consumer receive time − message enqueue time, per batch, per queue);
 * - error rates and p95 per route: request_metrics (per-isolate aggregates of the api worker).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import type { AdminMetrics } from '#shared/schemas/admin-analytics';
import { LATENCY_BUCKETS } from '#shared/schemas/analytics';
import { quantileFromBuckets } from './request-metrics';

/** A room report older than this (3 of the rooms' 30 s heartbeats) no longer counts the room as active. */
export const PRESENCE_STALE_SECONDS = 90;
/** "Now" for top shows. */
export const TOP_SHOWS_MINUTES = 15;

export async function computeMetrics(db: Database, now: Date, windowMinutes: number): Promise<AdminMetrics> {
  const from = new Date(now.getTime() - windowMinutes * 60_000);
  const fromIso = from.toISOString();
  const nowIso = now.toISOString();
  const presenceFrom = new Date(now.getTime() - PRESENCE_STALE_SECONDS * 1000).toISOString();
  const topFrom = new Date(now.getTime() - TOP_SHOWS_MINUTES * 60_000).toISOString();
  const d = db.$primary;

  const [perMinute, rooms, top, lag, routes] = await Promise.all([
    d.execute<{ minute: string; votes: number; unvotes: number }>(sql`
      select date_trunc('minute', at) as minute, count(*) filter (where kind = 'vote')::int as votes, count(*) filter (where kind = 'unvote')::int as unvotes
      from analytics_events where kind in ('vote', 'unvote') and at >= ${fromIso}::timestamptz and at < ${nowIso}::timestamptz
      group by 1 order by 1`),
    d.execute<{ rooms: number; sockets: number }>(sql`
      select count(*)::int as rooms, coalesce(sum(sockets), 0)::int as sockets from room_presence where sockets > 0 and reported_at >= ${presenceFrom}::timestamptz`),
    d.execute<{ show_id: string; slug: string | null; votes: number; sockets: number | null }>(sql`
      select e.show_id, s.slug, count(*)::int as votes, p.sockets
      from analytics_events e left join shows s on s.id = e.show_id
      left join room_presence p on p.show_id = e.show_id and p.reported_at >= ${presenceFrom}::timestamptz
      where e.kind = 'vote' and e.at >= ${topFrom}::timestamptz and e.at < ${nowIso}::timestamptz
      group by e.show_id, s.slug, p.sockets order by votes desc, e.show_id limit 10`),
    d.execute<{ queue: string; messages: number; lag_sum_ms: number; lag_max_ms: number }>(sql`
      select queue, sum(messages)::int as messages, sum(lag_sum_ms)::float8 as lag_sum_ms, max(lag_max_ms)::int as lag_max_ms
      from queue_lag where minute >= date_trunc('minute', ${fromIso}::timestamptz) group by queue order by queue`),
    d.execute<{
      route: string;
      requests: number;
      client_errors: number;
      server_errors: number;
      latency_buckets: number[];
      latency_sum_ms: number;
    }>(sql`
      select route, requests, client_errors, server_errors, latency_buckets, latency_sum_ms
      from request_metrics where minute >= date_trunc('minute', ${fromIso}::timestamptz)`),
  ]);

  const totalVotes = perMinute.rows.reduce((n, r) => n + r.votes, 0);
  const byRoute = new Map<
    string,
    { requests: number; clientErrors: number; serverErrors: number; buckets: number[]; sumMs: number }
  >();
  for (const r of routes.rows) {
    const agg = byRoute.get(r.route) ?? {
      requests: 0,
      clientErrors: 0,
      serverErrors: 0,
      buckets: Array<number>(LATENCY_BUCKETS).fill(0),
      sumMs: 0,
    };
    agg.requests += r.requests;
    agg.clientErrors += r.client_errors;
    agg.serverErrors += r.server_errors;
    agg.sumMs += Number(r.latency_sum_ms);
    for (const [i, n] of r.latency_buckets.entries()) agg.buckets[i] = (agg.buckets[i] ?? 0) + Number(n);
    byRoute.set(r.route, agg);
  }
  const ratio = (n: number, d: number) => (d ? Math.round((n / d) * 10_000) / 10_000 : 0);

  return {
    at: nowIso,
    windowMinutes,
    votes: {
      perMinute: Math.round((totalVotes / windowMinutes) * 100) / 100,
      total: totalVotes,
      series: perMinute.rows.map((r) => ({
        minute: new Date(r.minute).toISOString(),
        votes: r.votes,
        unvotes: r.unvotes,
      })),
    },
    rooms: {
      active: rooms.rows[0]?.rooms ?? 0,
      sockets: rooms.rows[0]?.sockets ?? 0,
      staleAfterSeconds: PRESENCE_STALE_SECONDS,
    },
    topShows: top.rows.map((r) => ({ showId: r.show_id, slug: r.slug, votes: r.votes, sockets: r.sockets ?? 0 })),
    topShowsMinutes: TOP_SHOWS_MINUTES,
    queues: lag.rows.map((r) => ({
      queue: r.queue,
      messages: r.messages,
      avgLagMs: r.messages ? Math.round(Number(r.lag_sum_ms) / r.messages) : 0,
      maxLagMs: r.lag_max_ms,
    })),
    routes: [...byRoute]
      .map(([route, a]) => {
        const p95 = quantileFromBuckets(a.buckets, 0.95);
        return {
          route,
          requests: a.requests,
          errorRate: ratio(a.serverErrors, a.requests),
          clientErrorRate: ratio(a.clientErrors, a.requests),
          p95Ms: p95?.ms ?? null,
          p95AboveHistogram: p95?.overflow ?? false,
          meanMs: a.requests ? Math.round((a.sumMs / a.requests) * 10) / 10 : null,
        };
      })
      .sort((x, y) => y.requests - x.requests || x.route.localeCompare(y.route)),
  };
}
