import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS } from '#shared/schemas/analytics';
import { mergeMetricRows } from './analytics';

describe('request metrics rows', () => {
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
