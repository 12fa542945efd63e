import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS } from '#shared/schemas/analytics';
import { FLUSH_INTERVAL_MS, quantileFromBuckets, RequestMetrics } from './request-metrics';

describe('request metrics aggregation', () => {
  it('aggregates per minute and route, flushes on the interval, and forgets what it flushed', () => {
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 10);
    const m = new RequestMetrics(t0);
    m.record('GET /v1/shows', 200, 12, t0);
    m.record('GET /v1/shows', 503, 700, t0 + 1);
    m.record('GET /v1/shows', 404, 3, t0 + 2);
    m.record('POST /v1/shows/:showId/votes', 201, 40, t0 + 3);
    expect(m.takeIfDue(t0 + 5)).toBeUndefined();
    const rows = m.takeIfDue(t0 + FLUSH_INTERVAL_MS)!;
    const shows = rows.find((r) => r.route === 'GET /v1/shows')!;
    expect(shows).toMatchObject({
      minute: '2026-01-01T12:00:00.000Z',
      requests: 3,
      clientErrors: 1,
      serverErrors: 1,
      latencySumMs: 715,
    });
    expect(shows.latencyBuckets).toHaveLength(LATENCY_BUCKETS);
    expect(shows.latencyBuckets[0]).toBe(1); // 3 ms ≤ 5
    expect(shows.latencyBuckets[2]).toBe(1); // 12 ms ≤ 25
    expect(shows.latencyBuckets[8]).toBe(1); // 700 ms: above 500, at most 1,000
    expect(m.takeIfDue(t0 + 2 * FLUSH_INTERVAL_MS)).toBeUndefined();
  });

  it('reads p95 as the upper bound of the bucket holding it', () => {
    const b = Array<number>(LATENCY_BUCKETS).fill(0);
    b[3] = 95;
    b[8] = 5;
    expect(quantileFromBuckets(b, 0.95)).toEqual({ ms: 50, overflow: false });
    b[3] = 94;
    b[8] = 6;
    expect(quantileFromBuckets(b, 0.95)).toEqual({ ms: 1000, overflow: false });
    const slow = Array<number>(LATENCY_BUCKETS).fill(0);
    slow[LATENCY_BUCKETS - 1] = 1;
    expect(quantileFromBuckets(slow, 0.95)).toEqual({ ms: 5000, overflow: true });
    expect(quantileFromBuckets(Array<number>(LATENCY_BUCKETS).fill(0), 0.95)).toBeNull();
  });
});
