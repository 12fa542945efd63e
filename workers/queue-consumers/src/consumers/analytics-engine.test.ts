import { describe, expect, it } from 'vitest';
import { MAX_DATA_POINTS, toDataPoints, writeDataPoints } from './analytics-engine';

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
