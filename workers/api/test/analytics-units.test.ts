/**
 * The pure parts of the analytics pipeline: network ids, the per-isolate request aggregator and its p95,
 * Analytics Engine data points (within the per-invocation limit) and the rooms' presence schedule.
 */
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS } from '#shared/schemas/analytics';
import { mergeMetricRows } from '../../queue-consumers/src/consumers/analytics';
import { MAX_DATA_POINTS, toDataPoints, writeDataPoints } from '../../queue-consumers/src/consumers/analytics-engine';
import { PRESENCE_MIN_GAP_MS, PresenceReporter } from '../../realtime/src/room/presence';
import { networkIdOf, networkPrefix } from '../src/analytics/network-id';
import { FLUSH_INTERVAL_MS, quantileFromBuckets, RequestMetrics } from '../src/analytics/request-metrics';

describe('network ids', () => {
  it('keeps the /24 of IPv4 and the /48 of IPv6, and rejects what is neither', () => {
    expect(networkPrefix('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkPrefix('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkPrefix('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkPrefix('2001:0db8:abcd:0012:0000:0000:0000:0001')).toBe('2001:db8:abcd::/48');
    expect(networkPrefix('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(networkPrefix('300.1.1.1')).toBeUndefined();
    expect(networkPrefix('not an ip')).toBeUndefined();
    expect(networkPrefix('1::2::3')).toBeUndefined();
  });

  it('gives one keyed id per network, different per network and per key, and none without a key', async () => {
    const a = await networkIdOf('203.0.113.1', 'key-1');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(await networkIdOf('203.0.113.250', 'key-1')).toBe(a);
    expect(await networkIdOf('203.0.114.1', 'key-1')).not.toBe(a);
    expect(await networkIdOf('203.0.113.1', 'key-2')).not.toBe(a);
    expect(await networkIdOf('203.0.113.1', undefined)).toBeUndefined();
    expect(await networkIdOf(undefined, 'key-1')).toBeUndefined();
  });
});

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

  it('merges isolates flushing the same minute and route into one row', () => {
    const row = {
      minute: '2026-01-01T12:00:00.000Z',
      route: 'GET /x',
      requests: 2,
      clientErrors: 0,
      serverErrors: 1,
      latencyBuckets: Array<number>(LATENCY_BUCKETS).fill(1),
      latencySumMs: 10,
    };
    const merged = mergeMetricRows([row, { ...row, minute: '2026-01-01T12:00:00Z' }, { ...row, route: 'GET /y' }]);
    expect(merged).toHaveLength(2);
    expect(merged[0]).toMatchObject({ requests: 4, serverErrors: 2, latencySumMs: 20 });
    expect(merged[0]!.latencyBuckets.every((n) => n === 2)).toBe(true);
  });
});

describe('Analytics Engine data points', () => {
  it('writes one point per kind and show with the count, and never more than the per-invocation limit', () => {
    const show = crypto.randomUUID();
    expect(
      toDataPoints([
        { kind: 'vote', showId: show },
        { kind: 'vote', showId: show },
        { kind: 'search', showId: null },
      ]),
    ).toEqual([
      { indexes: ['vote'], blobs: ['vote', show], doubles: [2] },
      { indexes: ['search'], blobs: ['search', ''], doubles: [1] },
    ]);
    const many = Array.from({ length: 100 }, (_, i) => ({
      kind: i % 2 ? 'vote' : 'show_view',
      showId: crypto.randomUUID(),
    }));
    const points = toDataPoints(many);
    expect(points.length).toBeLessThanOrEqual(MAX_DATA_POINTS);
    expect(points.reduce((n, p) => n + p.doubles![0]!, 0)).toBe(100);
    const written: AnalyticsEngineDataPoint[] = [];
    expect(writeDataPoints({ writeDataPoint: (p) => void written.push(p!) }, many)).toBe(points.length);
    expect(writeDataPoints(undefined, many)).toBe(0);
  });
});

describe('room presence schedule', () => {
  it('reports soon after a change, then on the heartbeat while sockets remain, and once at zero', () => {
    const p = new PresenceReporter(30_000);
    expect(p.dueAt(3)).toBe(PRESENCE_MIN_GAP_MS);
    p.reported(3, 100_000);
    expect(p.dueAt(3)).toBe(130_000);
    expect(p.dueAt(4)).toBe(100_000 + PRESENCE_MIN_GAP_MS);
    p.reported(0, 110_000);
    expect(p.dueAt(0)).toBeUndefined();
  });
});
